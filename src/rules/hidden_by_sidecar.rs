//! M023 `hidden-by-sidecar`: a namespace-wide `Sidecar` whose `egress[].hosts` leave out a
//! host its namespace sends traffic to.
//!
//! A Sidecar narrows what the proxies of its namespace receive. Istio imports a ServiceEntry
//! when an egress host `namespace/name` matches it: the namespace part is the one the entry
//! is *declared* in (`.` is the Sidecar's namespace, `*` any, a `~` prefix excludes), the
//! name part the entry's host (exactly, or under a `*.` wildcard). VirtualServices are
//! imported the same way by their own namespace and hosts, and Istio then also imports the
//! services that an imported VirtualService routes to. So for egress through a gateway, the
//! Sidecar must import the external host from the VirtualService's namespace; the gateway
//! Service then comes along, it need not be listed. The outcomes, for a namespace that the
//! input shows sending traffic to the host:
//!
//! - nothing for the host imported: the proxies have no listener, route or cluster for it.
//!   REGISTRY_ONLY answers 502 (BlackHoleCluster); ALLOW_ANY sends it out through
//!   PassthroughCluster, past the egress gateway and without its DestinationRules. With
//!   ALLOW_ANY known and nothing but the ServiceEntry configuring the host, nothing is lost,
//!   and the rule stays quiet;
//! - the ServiceEntry imported but not the VirtualService that detours the host through the
//!   egress gateway: the proxies know the host and send it straight out, past the gateway,
//!   even with REGISTRY_ONLY.
//!
//! Only a Sidecar without `workloadSelector` is judged, and only for namespaces where the
//! input shows intent to reach the host (a VirtualService or DestinationRule for it there, a
//! gateway-subset DestinationRule there, a ServiceEntry for it there or exported there by
//! name). A selector-less Sidecar in the root namespace is the default of every namespace
//! without one of its own; `./` then means that namespace. Gateways ignore Sidecars, so
//! namespaces where egress gateway pods run are not judged. An entry hidden by `exportTo`
//! is M021.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use super::index::{Reach, Reaching};
use super::routes::routes;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{ServiceEntry, Sidecar, Spec, Text, VirtualService};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let namespace_wide: Vec<(usize, &Sidecar)> = index
        .sidecars()
        .filter(|(_, sidecar)| sidecar.workload_selector.is_none())
        .collect();
    // Without a Sidecar nothing is hidden; what follows reads every host of the input.
    if namespace_wide.is_empty() {
        return;
    }
    let gateway_namespaces: BTreeSet<String> = index
        .gateways()
        .map(|(_, gateway)| index.gateway_workload_namespace(gateway))
        .collect();
    let with_own: BTreeSet<&str> = namespace_wide
        .iter()
        .map(|(i, _)| index.namespace(*i))
        .collect();
    let root = index.mesh.root_namespace.as_str();
    let judged_hosts = judged_hosts(index);
    let reaching: Vec<(String, Vec<Reaching>)> = judged_hosts
        .into_iter()
        .map(|host| {
            let evidence = index
                .namespaces_reaching(&host)
                .into_iter()
                .filter(|r| r.reach != Reach::Imports)
                .collect();
            (host, evidence)
        })
        .collect();
    let context = Context::new(index);
    for &(sidecar_index, sidecar) in &namespace_wide {
        let namespace = index.namespace(sidecar_index);
        for (host, evidence) in &reaching {
            let mut clients: BTreeSet<&str> = BTreeSet::new();
            for r in evidence {
                let applies = r.namespace == namespace
                    || (namespace == root && !with_own.contains(r.namespace));
                if applies && !gateway_namespaces.contains(r.namespace) {
                    clients.insert(r.namespace);
                }
            }
            for client in clients {
                let client_evidence: Vec<&Reaching> =
                    evidence.iter().filter(|r| r.namespace == client).collect();
                let judge = Judge {
                    index,
                    context: &context,
                    sidecar_index,
                    sidecar,
                    client,
                    host,
                };
                if let Some(finding) = judge.run(&client_evidence) {
                    findings.push(finding);
                }
            }
        }
    }
}

/// The hosts judged: every host a ServiceEntry declares, and every host of a VirtualService
/// with `mesh` routes.
fn judged_hosts(index: &Index) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, entry) in index.service_entries() {
        out.extend(
            entry
                .hosts
                .iter()
                .map(|h| hosts::resolve(h, index.namespace(i))),
        );
    }
    for (i, vs) in index.virtual_services() {
        if index.has_mesh_route(i, vs) {
            out.extend(
                vs.hosts
                    .iter()
                    .map(|h| hosts::resolve(h, index.namespace(i))),
            );
        }
    }
    out.retain(|h| !h.is_empty() && h != "*" && hosts::cluster_service(h).is_none());
    out
}

/// What an egress host is matched against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A service's host: it must be the imported name or lie under it.
    Service,
    /// A VirtualService's host: any overlap selects it (Istio's matching for
    /// VirtualServices, in both directions).
    VirtualService,
}

/// Does the Sidecar, computed for proxies of `config_namespace`, import a `host` declared in
/// `owner_namespace` (with these ports; empty for a VirtualService)?
fn imports(
    sidecar: &Sidecar,
    config_namespace: &str,
    owner_namespace: &str,
    host: &str,
    ports: &[u32],
    kind: Kind,
) -> bool {
    let everything = [Text::const_new("*/*")];
    let listeners: Vec<(Option<u32>, &[Text])> = if sidecar.egress.is_empty() {
        vec![(None, &everything[..])]
    } else {
        sidecar
            .egress
            .iter()
            .map(|l| {
                (
                    l.port.as_ref().map(|p| p.number).filter(|&n| n != 0),
                    &l.hosts[..],
                )
            })
            .collect()
    };
    listeners.iter().any(|(port, entries)| {
        if let Some(port) = port
            && kind == Kind::Service
            && !ports.contains(port)
        {
            return false;
        }
        let mut included = false;
        let mut excluded = false;
        for entry in *entries {
            let Some((namespace, name)) = entry.split_once('/') else {
                continue;
            };
            if name.contains('/') || name.is_empty() {
                continue;
            }
            let (namespace, exclusion) = match namespace.strip_prefix('~') {
                Some("") => ("*", true),
                Some(rest) => (rest, true),
                None => (namespace, false),
            };
            let namespace = if namespace == "." {
                config_namespace
            } else {
                namespace
            };
            if namespace != "*" && namespace != owner_namespace {
                continue;
            }
            if exclusion {
                excluded |= name == host || hosts::covers(name, host);
            } else {
                included |= match kind {
                    Kind::Service => name == host || hosts::covers(name, host),
                    Kind::VirtualService => hosts::intersect(name, host),
                };
            }
        }
        included && !excluded
    })
}

/// What every judgement reads, computed once.
struct Context<'a> {
    /// VirtualServices with `mesh` routes: index, resource, resolved hosts, and where the
    /// `mesh` routes detour the hosts to (the egress gateway), if anywhere.
    mesh_services: Vec<MeshService<'a>>,
    /// By resolved destination host: the VirtualServices that route there (any route).
    routing_to: HashMap<String, Vec<usize>>,
}

type MeshService<'a> = (usize, &'a VirtualService, Vec<String>, Option<String>);

impl<'a> Context<'a> {
    fn new(index: &Index<'a>) -> Context<'a> {
        let mut mesh_services = Vec::new();
        let mut routing_to: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, vs) in index.virtual_services() {
            let namespace = index.namespace(i);
            for route in routes(vs) {
                for d in &route.destinations {
                    let entry = routing_to
                        .entry(hosts::resolve(&d.host, namespace))
                        .or_default();
                    if entry.last() != Some(&i) {
                        entry.push(i);
                    }
                }
            }
            if index.has_mesh_route(i, vs) {
                let vs_hosts = super::hops::vs_hosts(index, i, vs);
                let detour = super::hops::mesh_detour(index, i, vs);
                mesh_services.push((i, vs, vs_hosts, detour));
            }
        }
        Context {
            mesh_services,
            routing_to,
        }
    }
}

struct Judge<'i, 'a> {
    index: &'i Index<'a>,
    context: &'i Context<'a>,
    sidecar_index: usize,
    sidecar: &'a Sidecar,
    client: &'i str,
    host: &'i str,
}

impl Judge<'_, '_> {
    fn run(&self, evidence: &[&Reaching]) -> Option<Finding> {
        let index = self.index;
        let host = self.host;
        // The entries for the host the client sees, with the hosts they declare for it.
        let entries: Vec<(usize, &ServiceEntry, String)> = index
            .entries_covering(host)
            .into_iter()
            .filter_map(|i| match &index.manifests[i].spec {
                Spec::ServiceEntry(entry) if index.entry_visible(i, entry, self.client) => {
                    let declared = entry
                        .hosts
                        .iter()
                        .map(|h| hosts::resolve(h, index.namespace(i)))
                        .find(|h| h == host || hosts::covers(h, host))?;
                    Some((i, &**entry, declared))
                }
                _ => None,
            })
            .collect();
        let mesh_services: Vec<&MeshService> = self
            .context
            .mesh_services
            .iter()
            .filter(|(i, vs, vs_hosts, _)| {
                vs_hosts.iter().any(|h| hosts::intersect(h, host))
                    && index.virtual_service_visible(*i, vs, self.client)
            })
            .collect();
        let entry_imported = entries.iter().any(|(i, entry, declared)| {
            let ports: Vec<u32> = entry.ports.iter().map(|p| p.number).collect();
            imports(
                self.sidecar,
                self.client,
                index.namespace(*i),
                declared,
                &ports,
                Kind::Service,
            ) || self.inferred(declared)
        });
        let detours: Vec<(usize, &String, &Vec<String>)> = mesh_services
            .iter()
            .filter_map(|(i, _, vs_hosts, detour)| detour.as_ref().map(|d| (*i, d, vs_hosts)))
            .collect();
        if let Some((detour_index, via, _)) = detours.first() {
            if detours
                .iter()
                .any(|(i, _, vs_hosts)| self.imports_service(*i, vs_hosts))
            {
                return None;
            }
            let vs_namespace = index.namespace(*detour_index);
            let mut finding = if entry_imported {
                Finding::new(
                    codes::HIDDEN_BY_SIDECAR,
                    self.sidecar_index,
                    format!(
                        "{} imports the ServiceEntry for {host} but not VirtualService \
                         {vs_namespace}/{}, which detours {host} to {via}: sidecars in {} know \
                         {host} and send it straight out, past the egress gateway, even with \
                         REGISTRY_ONLY",
                        self.scope(),
                        index.name(*detour_index),
                        self.client
                    ),
                )
            } else {
                let strongest = evidence.iter().min_by_key(|r| (r.reach, r.resource));
                let although = match strongest {
                    Some(r) if r.resource != *detour_index => {
                        format!(", although {}", r.describe(index, host))
                    }
                    _ => String::new(),
                };
                Finding::new(
                    codes::HIDDEN_BY_SIDECAR,
                    self.sidecar_index,
                    format!(
                        "{} imports neither {host} nor VirtualService {vs_namespace}/{}, \
                         which detours it to {via} for {}{although}: sidecars in {} have no \
                         route for {host}, so {}",
                        self.scope(),
                        index.name(*detour_index),
                        self.client,
                        self.client,
                        self.outcome(true)
                    ),
                )
            };
            finding = finding.related(*detour_index).help(format!(
                "add `{}/{host}` to the Sidecar's egress hosts",
                self.written_namespace(vs_namespace)
            ));
            return Some(with_evidence(finding, evidence));
        }
        let (entry_index, _, declared) = entries.first()?;
        if entry_imported {
            return None;
        }
        let configured = !mesh_services.is_empty()
            || evidence
                .iter()
                .any(|r| matches!(r.reach, Reach::Configures | Reach::GatewaySubset));
        if !configured
            && self
                .mode()
                .is_some_and(|m| m.eq_ignore_ascii_case("ALLOW_ANY"))
        {
            return None;
        }
        let entry_namespace = index.namespace(*entry_index);
        let although = match evidence.iter().min_by_key(|r| (r.reach, r.resource)) {
            Some(r) if r.resource == *entry_index => {
                format!("although the entry is exported to {} by name", self.client)
            }
            Some(r) => format!("although {}", r.describe(index, host)),
            None => String::new(),
        };
        let finding = Finding::new(
            codes::HIDDEN_BY_SIDECAR,
            self.sidecar_index,
            format!(
                "{} does not import {host} (ServiceEntry {entry_namespace}/{}), {although}: \
                 sidecars in {} get no listener, route or cluster for it, so {}",
                self.scope(),
                index.name(*entry_index),
                self.client,
                self.outcome(false)
            ),
        )
        .related(*entry_index)
        .help(format!(
            "add `{}/{declared}` to the Sidecar's egress hosts",
            self.written_namespace(entry_namespace)
        ));
        Some(with_evidence(finding, evidence))
    }

    /// Does the Sidecar import the VirtualService `i` with these (resolved) hosts?
    fn imports_service(&self, i: usize, vs_hosts: &[String]) -> bool {
        let namespace = self.index.namespace(i);
        vs_hosts.iter().any(|h| {
            imports(
                self.sidecar,
                self.client,
                namespace,
                h,
                &[],
                Kind::VirtualService,
            )
        })
    }

    /// Is the service `declared` imported because an imported VirtualService routes to it?
    fn inferred(&self, declared: &str) -> bool {
        let index = self.index;
        let Some(routing) = self.context.routing_to.get(declared) else {
            return false;
        };
        routing.iter().any(|&i| {
            let Spec::VirtualService(vs) = &index.manifests[i].spec else {
                return false;
            };
            let vs_hosts = super::hops::vs_hosts(index, i, vs);
            index.virtual_service_visible(i, vs, self.client) && self.imports_service(i, &vs_hosts)
        })
    }

    /// "Sidecar ns/name", or the mesh-wide default it is for the client.
    fn scope(&self) -> String {
        let namespace = self.index.namespace(self.sidecar_index);
        let name = self.index.name(self.sidecar_index);
        if namespace == self.client {
            format!("Sidecar {namespace}/{name}")
        } else {
            format!(
                "Sidecar {namespace}/{name} (the root namespace's default, which applies to \
                 {}: it has no Sidecar of its own)",
                self.client
            )
        }
    }

    /// How to write `namespace` in the Sidecar's egress hosts.
    fn written_namespace<'n>(&self, namespace: &'n str) -> &'n str {
        if namespace == self.client && self.index.namespace(self.sidecar_index) == self.client {
            "."
        } else {
            namespace
        }
    }

    /// The outbound traffic policy that applies: the Sidecar's own, else the mesh's.
    fn mode(&self) -> Option<&str> {
        self.sidecar
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode.as_deref())
            .or_else(|| {
                self.index
                    .mesh
                    .outbound_mode
                    .as_ref()
                    .map(|(mode, _)| mode.as_str())
            })
    }

    /// What happens to traffic for the host that the proxies do not know, by the outbound
    /// traffic policy (both outcomes when it is unknown).
    fn outcome(&self, via_gateway: bool) -> String {
        let host = self.host;
        let past = if via_gateway {
            "past the egress gateway and "
        } else {
            ""
        };
        match self.mode() {
            Some(mode) if mode.eq_ignore_ascii_case("REGISTRY_ONLY") => {
                "with REGISTRY_ONLY requests fail with 502 (BlackHoleCluster)".to_owned()
            }
            Some(mode) if mode.eq_ignore_ascii_case("ALLOW_ANY") => format!(
                "with ALLOW_ANY traffic leaves through PassthroughCluster, {past}without the \
                 routes and DestinationRules for {host}"
            ),
            _ => format!(
                "with REGISTRY_ONLY requests fail with 502 (BlackHoleCluster), and with \
                 ALLOW_ANY they leave through PassthroughCluster, {past}without the routes and \
                 DestinationRules for {host}"
            ),
        }
    }
}

fn with_evidence(mut finding: Finding, evidence: &[&Reaching]) -> Finding {
    if let Some(first) = evidence.iter().min_by_key(|r| (r.reach, r.resource)) {
        finding = finding.related(first.resource);
    }
    finding
}

#[cfg(test)]
mod tests;
