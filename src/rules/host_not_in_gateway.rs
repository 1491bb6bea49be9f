//! M018 `host-not-in-gateway`: a VirtualService bound to a Gateway declares hosts that the
//! Gateway's servers do not accept.
//!
//! A gateway proxy applies a VirtualService's routes only for the hosts both the
//! VirtualService and one of the Gateway's servers name. A server host is `host`,
//! `*/host` (any namespace), `./host` (the Gateway's own namespace) or `ns/host`: the
//! namespace part says which namespaces' VirtualServices may bind to it. If none of the
//! VirtualService's hosts is accepted, its routes never reach that gateway; if some host is
//! accepted by none of its gateways, routes for that host never apply there. For an egress
//! route that is the gateway hop: sidecars send the traffic to the egress gateway, which has
//! no route for it (`404` for HTTP, a closed connection for TLS).
//!
//! Istio's analyzer reports the first case as IST0132 (VirtualServiceHostNotFoundInGateway,
//! from `virtualservice.GatewayAnalyzer`): per bound Gateway, no VirtualService host matches
//! any server host admitted for the VirtualService's namespace. That is an error here. A
//! host that none of the bound Gateways accepts while others are accepted is a warning
//! (the analyzer does not report it). A Gateway that is not in the input is M017's finding,
//! not this rule's (the analyzer reports both).

use foldhash::{HashMap, HashMapExt};

use super::host_map::HostMap;
use super::index::MESH_GATEWAY;
use super::{Finding, Index, hosts};
use crate::diagnostic::{Severity, codes};
use crate::manifest::Gateway;

/// A Gateway's server hosts as a VirtualService namespace sees them: the host names it may
/// bind to, and the hosts that the namespace part keeps from it (with that part).
/// Borrowed from the Gateway: one is made for every Gateway and namespace that binds it.
struct Admitted<'a> {
    hosts: Vec<&'a str>,
    refused: Vec<String>,
    /// `hosts` as a map, so a Gateway with thousands of hosts is not read per VirtualService
    /// host. Only for a Gateway with more than [`READ_IN_TURN`] hosts: most Gateways have
    /// one, and a map for each of them was most of this rule's memory (70 MB at 100,000
    /// hosts).
    lookup: Option<HostMap<'a, ()>>,
}

/// Up to this many hosts, [`Admitted::accepts`] compares a host with each in turn.
const READ_IN_TURN: usize = 8;

impl Admitted<'_> {
    fn accepts(&self, host: &str) -> bool {
        match &self.lookup {
            Some(lookup) => !lookup.intersecting(host).is_empty(),
            None => self
                .hosts
                .iter()
                .any(|admitted| hosts::intersect(admitted, host)),
        }
    }
}

fn admitted<'a>(gateway: &'a Gateway, gateway_namespace: &str, vs_namespace: &str) -> Admitted<'a> {
    let mut out = Admitted {
        hosts: Vec::new(),
        refused: Vec::new(),
        lookup: None,
    };
    for host in gateway.servers.iter().flat_map(|s| &s.hosts) {
        match host.split_once('/') {
            None => out.hosts.push(host),
            Some((namespace, name)) => {
                let namespace = if namespace == "." {
                    gateway_namespace
                } else {
                    namespace
                };
                if namespace == "*" || namespace == vs_namespace {
                    out.hosts.push(name);
                } else {
                    out.refused.push(format!("{namespace}/{name}"));
                }
            }
        }
    }
    out.hosts.retain(|h| !h.is_empty());
    out.hosts.dedup();
    if out.hosts.len() > READ_IN_TURN {
        let mut lookup = HostMap::default();
        for &host in &out.hosts {
            lookup.insert(host, ());
        }
        out.lookup = Some(lookup);
    }
    out
}

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    // What each Gateway with many hosts admits, by Gateway and VirtualService namespace:
    // VirtualServices in one namespace share it. What a Gateway with few hosts admits is
    // quicker made again than kept (most Gateways have one host, and are bound once).
    let mut admitted_by: HashMap<(usize, &str), Admitted> = HashMap::new();
    for (i, vs) in index.virtual_services() {
        let namespace = index.namespace(i);
        let vs_hosts = super::hops::vs_hosts(index, i, vs);
        if vs_hosts.is_empty() {
            continue;
        }
        // (gateway, resolved reference, position in `few` if made for this VirtualService)
        let mut bound: Vec<(usize, String, Option<usize>)> = Vec::new();
        let mut few: Vec<Admitted> = Vec::new();
        for reference in &vs.gateways {
            if reference == MESH_GATEWAY || reference.is_empty() {
                continue;
            }
            let resolved = index.resolve_gateway_name(reference, namespace);
            let Some((g, gateway)) = index.gateway(&resolved) else {
                continue;
            };
            if bound.iter().any(|(other, _, _)| *other == g) {
                continue;
            }
            let server_hosts: usize = gateway.servers.iter().map(|s| s.hosts.len()).sum();
            if server_hosts > READ_IN_TURN {
                admitted_by
                    .entry((g, namespace))
                    .or_insert_with(|| admitted(gateway, index.namespace(g), namespace));
                bound.push((g, resolved, None));
            } else {
                few.push(admitted(gateway, index.namespace(g), namespace));
                bound.push((g, resolved, Some(few.len() - 1)));
            }
        }
        // The bound Gateways with the hosts each admits.
        let bound: Vec<(usize, String, &Admitted)> = bound
            .into_iter()
            .map(|(g, resolved, made)| {
                let admitted = match made {
                    Some(at) => &few[at],
                    None => &admitted_by[&(g, namespace)],
                };
                (g, resolved, admitted)
            })
            .collect();
        let mut any_accepted = false;
        for (g, resolved, admitted) in &bound {
            if vs_hosts.iter().any(|h| admitted.accepts(h)) {
                any_accepted = true;
                continue;
            }
            findings.push(none_accepted(index, i, *g, resolved, &vs_hosts, admitted));
        }
        if !any_accepted {
            continue;
        }
        for host in &vs_hosts {
            if bound.iter().any(|(_, _, admitted)| admitted.accepts(host)) {
                continue;
            }
            let names: Vec<&str> = bound.iter().map(|(_, r, _)| r.as_str()).collect();
            let mut finding = Finding::new(
                codes::HOST_NOT_IN_GATEWAY,
                i,
                format!(
                    "VirtualService host {host} is accepted by none of its Gateways ({}): \
                     the gateway proxies never apply its routes for {host}, so traffic for it \
                     that reaches them finds no route (404, or a closed connection for TLS)",
                    names.join(", ")
                ),
            )
            .help(format!(
                "add {host} to the `hosts` of the Gateway server that should carry it, or \
                 move {host} to a VirtualService of its own"
            ));
            finding.severity = Severity::Warning;
            for (g, _, _) in &bound {
                finding = finding.related(*g);
            }
            findings.push(finding);
        }
    }
}

fn none_accepted(
    index: &Index,
    vs_index: usize,
    gateway_index: usize,
    resolved: &str,
    vs_hosts: &[String],
    admitted: &Admitted,
) -> Finding {
    let vs_namespace = index.namespace(vs_index);
    let server_hosts = if admitted.hosts.is_empty() && admitted.refused.is_empty() {
        "it has no server hosts".to_owned()
    } else if admitted.hosts.is_empty() {
        format!("it accepts no host for namespace {vs_namespace}")
    } else {
        format!("it accepts {}", admitted.hosts.join(", "))
    };
    let refused: Vec<String> = admitted
        .refused
        .iter()
        .map(|host| {
            let namespace = host.split_once('/').map_or("", |(ns, _)| ns);
            format!("server host {host} admits only VirtualServices of namespace {namespace}")
        })
        .collect();
    let refused = if refused.is_empty() {
        String::new()
    } else {
        format!("; {}", refused.join("; "))
    };
    let gateway_name = index.name(gateway_index);
    let help = if admitted.refused.is_empty() {
        format!(
            "add {} to the `hosts` of the server of Gateway {gateway_name} that should \
             carry it, or bind the VirtualService to the Gateway that serves its hosts",
            vs_hosts[0]
        )
    } else {
        format!(
            "write the Gateway server host as `{vs_namespace}/<host>` or `*/<host>` to admit \
             VirtualServices of namespace {vs_namespace}, or move the VirtualService to the \
             namespace the server host names"
        )
    };
    Finding::new(
        codes::HOST_NOT_IN_GATEWAY,
        vs_index,
        format!(
            "VirtualService is bound to Gateway {resolved}, but none of its hosts ({}) is \
             accepted by that Gateway ({server_hosts}{refused}): the gateway never applies \
             these routes, so traffic sent to it finds no route (404, or a closed connection \
             for TLS)",
            vs_hosts.join(", ")
        ),
    )
    .related(gateway_index)
    .help(help)
}
