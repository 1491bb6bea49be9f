//! M022 `gateway-subset-invisible`: a `mesh` route sends traffic to a subset of the egress
//! gateway's Service, and from some client namespace that uses the route Istio finds no
//! DestinationRule defining that subset, although one exists in the input.
//!
//! A sidecar builds the subset clusters of a host from the DestinationRules Istio picks for
//! its own namespace (`PushContext.destinationRule`): the most specific rules in the client's
//! namespace; else those that the host's namespace (for the gateway Service,
//! `istio-system`) exports to the client; else those that the root namespace exports. A rule
//! anywhere else is never consulted, and a rule found earlier hides the later ones even when
//! it lacks the subset. Istio's egress recipes put the gateway DestinationRule in the client
//! namespace, and the `egress-gateway-network-policy` recipe re-creates it in `test-egress`
//! for exactly this reason. Without the subset's cluster, requests routed to it fail with
//! 503 (`NC`, cluster not found) and TLS/TCP connections are closed.
//!
//! The clients judged are the namespaces that see the VirtualService and use it: its own
//! namespace, the namespaces its `exportTo` names, and namespaces the input shows reaching
//! its hosts (a DestinationRule for the hosts or for the gateway Service there, a Sidecar
//! importing them). A namespace where egress gateway pods run is not a client: the gateway
//! proxies do not apply `mesh` routes. A subset that no DestinationRule defines at all is
//! M016 (`unknown-subset`).

use std::borrow::Cow;
use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use super::index::MESH_GATEWAY;
use super::routes::{RouteKind, routes};
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{DestinationRule, VirtualService};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let gateway_namespaces: BTreeSet<String> = index
        .gateways()
        .map(|(_, gateway)| index.gateway_workload_namespace(gateway))
        .collect();
    let gateway_services: BTreeSet<String> = index
        .gateways()
        .filter_map(|(_, gateway)| index.gateway_service(gateway))
        .map(|i| service_host(index, i))
        .collect();
    // Every DestinationRule with its resolved host, read once.
    let rules: Vec<(usize, &DestinationRule, Cow<str>)> = index
        .destination_rules()
        .map(|(i, rule)| {
            (
                i,
                rule,
                hosts::resolve_borrowed(&rule.host, index.namespace(i)),
            )
        })
        .filter(|(_, _, host)| !host.is_empty())
        .collect();
    // Tables filled on first use, per gateway host: thousands of routes ask about one
    // gateway Service, and scanning every DestinationRule for each would be quadratic.
    // By gateway host: the namespaces that keep a DestinationRule of their own for it.
    let mut own_rules: HashMap<String, BTreeSet<String>> = HashMap::new();
    // By gateway host, then subset: the DestinationRules that define it.
    let mut definers: HashMap<String, Vec<(&str, usize)>> = HashMap::new();
    // By client namespace and gateway host: the rules Istio picks there, sorted (to ask
    // whether a definer is among them; each client sees its own thousands of rules, so
    // their subsets are not copied per client).
    let mut picked: HashMap<(String, String), Picked> = HashMap::new();
    for (vs_index, vs) in index.virtual_services() {
        let namespace = index.namespace(vs_index);
        let binds_gateway = index
            .bound_gateway_references(vs_index, vs)
            .iter()
            .any(|g| g != MESH_GATEWAY);
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for route in routes(vs) {
            if !index.route_applies(vs_index, vs, route.matches, MESH_GATEWAY) {
                continue;
            }
            for destination in &route.destinations {
                let Some(subset) = destination.subset.as_deref().filter(|s| !s.is_empty()) else {
                    continue;
                };
                let host = hosts::resolve(&destination.host, namespace);
                let is_gateway_service = hosts::cluster_service(&host).is_some()
                    && (binds_gateway || gateway_services.contains(&host));
                if !is_gateway_service || !seen.insert((host.clone(), subset.to_owned())) {
                    continue;
                }
                let defining: Vec<usize> = rules_defining(
                    definers
                        .entry(host.clone())
                        .or_insert_with(|| subset_definers(&rules, &host)),
                    subset,
                );
                if defining.is_empty() {
                    continue;
                }
                let keeping = own_rules.entry(host.clone()).or_insert_with(|| {
                    rules
                        .iter()
                        .filter(|(i, rule, rule_host)| {
                            hosts::covers(rule_host, &host)
                                && index.destination_rule_visible(*i, rule, index.namespace(*i))
                        })
                        .map(|(i, _, _)| index.namespace(*i).to_owned())
                        .collect()
                });
                for client in clients(index, vs_index, vs, keeping, &gateway_namespaces) {
                    let (found, sorted) = picked
                        .entry((client.clone(), host.clone()))
                        .or_insert_with(|| picked_rules(index, &client, &host));
                    // `defining` holds the rules covering the host that define the subset:
                    // the client sees the subset when one of them is among its rules.
                    if defining.iter().any(|i| sorted.binary_search(i).is_ok()) {
                        continue;
                    }
                    let target = Target {
                        vs_index,
                        kind: route.kind,
                        host: &host,
                        subset,
                    };
                    findings.push(finding(index, &target, &client, found, &defining));
                }
            }
        }
    }
}

/// The subsets that the DestinationRules covering `host` define, as (subset name, rule)
/// pairs sorted by name, each rule once per name in input order. Pairs, not a map of lists:
/// the egress recipes give each of thousands of hosts a subset of its own on one gateway
/// Service, and a list for each (with the rules' hosts copied) made this rule's memory at
/// 100,000 hosts 39 MB rather than 30.
fn subset_definers<'a>(
    rules: &[(usize, &'a DestinationRule, Cow<str>)],
    host: &str,
) -> Vec<(&'a str, usize)> {
    let mut definers: Vec<(&str, usize)> = rules
        .iter()
        .filter(|(_, _, rule_host)| hosts::covers(rule_host, host))
        .flat_map(|&(i, rule, _)| rule.subsets.iter().map(move |s| (s.name.as_str(), i)))
        .collect();
    definers.sort_unstable();
    definers.dedup();
    definers
}

/// The rules defining `subset` among [`subset_definers`], in input order.
fn rules_defining(definers: &[(&str, usize)], subset: &str) -> Vec<usize> {
    let start = definers.partition_point(|&(name, _)| name < subset);
    definers[start..]
        .iter()
        .take_while(|&&(name, _)| name == subset)
        .map(|&(_, i)| i)
        .collect()
}

/// The DestinationRules Istio picks for a host in a client namespace: as found (in the
/// order Istio prefers them), and sorted.
type Picked = (Vec<usize>, Vec<usize>);

/// The [`Picked`] rules for `host` in `client`.
fn picked_rules(index: &Index, client: &str, host: &str) -> Picked {
    let found = index.destination_rules_for(client, host);
    let mut sorted = found.clone();
    sorted.sort_unstable();
    (found, sorted)
}

/// The route that breaks: its VirtualService, kind, gateway host and subset.
struct Target<'a> {
    vs_index: usize,
    kind: RouteKind,
    host: &'a str,
    subset: &'a str,
}

fn finding(
    index: &Index,
    target: &Target,
    client: &str,
    found: &[usize],
    defining: &[usize],
) -> Finding {
    let Target {
        vs_index,
        kind,
        host,
        subset,
    } = *target;
    let definer = defining[0];
    let definer_name = format!("{}/{}", index.namespace(definer), index.name(definer));
    let service_namespace = index.service_namespace(host).unwrap_or_default().to_owned();
    let root = &index.mesh.root_namespace;
    let why = match found.first() {
        Some(&winner) => format!(
            "Istio uses DestinationRule {}/{} for {host} there, which does not define it, and \
             never reads {definer_name}",
            index.namespace(winner),
            index.name(winner)
        ),
        None => format!(
            "Istio looks for DestinationRules of {host} in {client}, then among those {} \
             exports to {client}, then among those {root} exports, and {definer_name} is \
             in none of them",
            if service_namespace.is_empty() {
                "the host's namespace".to_owned()
            } else {
                service_namespace.clone()
            }
        ),
    };
    let symptom = if kind == RouteKind::Http {
        format!("requests from {client} get 503 (NC, cluster not found)")
    } else {
        format!("connections from {client} are closed (no cluster for the subset)")
    };
    let mut finding = Finding::new(
        codes::GATEWAY_SUBSET_INVISIBLE,
        vs_index,
        format!(
            "the mesh route to subset {subset} of {host} fails for sidecars in namespace \
             {client}: {why}, so {symptom}"
        ),
    );
    for &i in defining.iter().chain(found) {
        finding = finding.related(i);
    }
    let help = match found.first() {
        Some(&winner) if index.namespace(winner) == client => format!(
            "define subset {subset} in DestinationRule {client}/{} as well (a rule in the \
             client's namespace hides every rule elsewhere), or remove that rule so {client} \
             falls back to the exported ones",
            index.name(winner)
        ),
        Some(&winner) => format!(
            "create a DestinationRule for {host} defining subset {subset} in {client} (Istio's \
             docs create one per client namespace), or define the subset in DestinationRule \
             {}/{}, the one {client} reads",
            index.namespace(winner),
            index.name(winner)
        ),
        None if index.namespace(definer) == service_namespace
            || index.namespace(definer) == root.as_str() =>
        {
            format!("add `{client}` to the exportTo of {definer_name}")
        }
        None => {
            let target = if service_namespace.is_empty() {
                "the gateway Service's namespace".to_owned()
            } else {
                service_namespace
            };
            format!(
                "create a DestinationRule for {host} defining subset {subset} in {client} \
                 (Istio's docs create one per client namespace), or move {definer_name} to \
                 {target} and export it to {client}"
            )
        }
    };
    finding.help(help)
}

/// The `<name>.<namespace>.svc.cluster.local` of a Service.
fn service_host(index: &Index, i: usize) -> String {
    format!(
        "{}.{}.svc.{}",
        index.name(i),
        index.namespace(i),
        hosts::CLUSTER_DOMAIN
    )
}

/// The namespaces whose sidecars use the VirtualService's `mesh` routes, as far as the input
/// shows: its own namespace, those its `exportTo` names, those that reach its hosts, and
/// those `keeping` a DestinationRule for the gateway Service; each only if it sees the
/// VirtualService, and never one where egress gateway pods run.
fn clients(
    index: &Index,
    vs_index: usize,
    vs: &VirtualService,
    keeping: &BTreeSet<String>,
    gateway_namespaces: &BTreeSet<String>,
) -> BTreeSet<String> {
    let namespace = index.namespace(vs_index);
    let mut candidates: BTreeSet<String> = BTreeSet::new();
    candidates.insert(namespace.to_owned());
    candidates.extend(Index::named_in_export_to(&vs.export_to, namespace));
    for host in &vs.hosts {
        let host = hosts::resolve(host, namespace);
        if host.is_empty() {
            continue;
        }
        candidates.extend(
            index
                .namespaces_reaching(&host)
                .into_iter()
                .map(|r| r.namespace.to_owned()),
        );
    }
    candidates.extend(keeping.iter().cloned());
    candidates.retain(|client| {
        !gateway_namespaces.contains(client) && index.virtual_service_visible(vs_index, vs, client)
    });
    candidates
}
