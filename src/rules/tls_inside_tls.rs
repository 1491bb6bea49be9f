//! M001 `tls-inside-tls`: a DestinationRule originates TLS toward a host port where the
//! traffic already is TLS.
//!
//! A DestinationRule's `tls` (SIMPLE or MUTUAL) applies to every connection that reaches the
//! cluster `host:port`, from sidecars and gateways alike. When the app already speaks TLS to
//! that port (the ServiceEntry declares it `HTTPS`/`TLS`, or a `tls:` route forwards a TLS
//! stream there, as a PASSTHROUGH gateway does), the proxy wraps the app's TLS in a second
//! layer; the server reads the inner ClientHello as garbage and the client sees
//! `WRONG_VERSION_NUMBER`.
//!
//! Istio's gateway TLS-origination recipe deliberately declares port 443 `HTTPS` *and*
//! originates TLS toward it, because the gateway's `http:` route delivers plain HTTP to
//! 443. That is not reported as an error, but as a warning when the rule is visible to
//! sidecars: an app calling `https://host` directly still gets TLS inside TLS.

use foldhash::{HashMap, HashMapExt, HashSet};

use super::routes::{Route, RouteKind, destination_port, routes};
use super::{Finding, Index, hosts};
use crate::diagnostic::{Severity, codes};
use crate::manifest::{ClientTls, Destination, DestinationRule};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    // Most DestinationRules originate nothing: only the hosts of those that do need the
    // routes to them, so only those are tabled.
    let originating: Vec<_> = index
        .destination_rules()
        .filter_map(|(rule_index, rule)| {
            let host = hosts::resolve(&rule.host, index.namespace(rule_index));
            let ports = originating_ports(index, rule, &host);
            (!ports.is_empty()).then_some((rule_index, rule, host, ports))
        })
        .collect();
    if originating.is_empty() {
        return;
    }
    let traffic = Traffic::new(
        index,
        &originating
            .iter()
            .map(|(_, _, host, _)| host.as_str())
            .collect(),
    );
    for (rule_index, rule, host, ports) in originating {
        for (port, tls) in ports {
            let Some((evidence_resource, why)) = app_tls_evidence(index, &traffic, &host, port)
            else {
                continue;
            };
            let plain = plain_http_route(&traffic, &host, port);
            let mode = tls.mode();
            let port_text = port.map_or_else(|| "every port".to_owned(), |p| format!("port {p}"));
            let mut finding = Finding::new(
                codes::TLS_INSIDE_TLS,
                rule_index,
                format!(
                    "DestinationRule originates TLS ({mode}) toward {host} {port_text}, \
                     where {why}: the proxy wraps the app's TLS in a second layer \
                     (WRONG_VERSION_NUMBER)"
                ),
            )
            .related(evidence_resource);
            if let Some(route) = plain {
                let gateway_namespaces = gateway_namespaces(index, route);
                let beyond_gateways = !index.known_namespaces().iter().all(|viewer| {
                    gateway_namespaces.iter().any(|g| g == viewer)
                        || !index.destination_rule_visible(rule_index, rule, viewer)
                }) || rule.export_to.iter().any(|e| e == "*")
                    || (rule.export_to.is_empty()
                        && index
                            .mesh
                            .default_destination_rule_export_to
                            .iter()
                            .any(|e| e == "*"));
                if !beyond_gateways {
                    // Only the gateway's proxies see the rule; they receive plain HTTP.
                    continue;
                }
                finding.severity = Severity::Warning;
                finding.message = format!(
                    "DestinationRule originates TLS ({mode}) toward {host} {port_text}; the \
                     route in VirtualService {} sends plain HTTP there, but {why}, so apps \
                     calling https://{host} directly get TLS inside TLS",
                    index.name(route)
                );
                finding = finding.related(route).help(
                    "export this DestinationRule only to the egress gateway's namespace \
                     (`exportTo`), so sidecars never originate toward the TLS port",
                );
            } else {
                finding = finding.help(format!(
                    "remove the `tls` settings for this port (the app already encrypts), or \
                     have the app send plain HTTP to a port whose `targetPort` is {} and \
                     originate there",
                    port.unwrap_or(443)
                ));
            }
            findings.push(finding);
        }
    }
}

/// The ports toward which a DestinationRule originates TLS: port-level settings by port,
/// rule- or subset-wide settings for every port the host's ServiceEntries declare (`None`
/// when no entry declares any).
fn originating_ports<'a>(
    index: &Index,
    rule: &'a DestinationRule,
    host: &str,
) -> Vec<(Option<u32>, &'a ClientTls)> {
    let policies = rule.traffic_policy.iter().chain(
        rule.subsets
            .iter()
            .filter_map(|s| s.traffic_policy.as_ref()),
    );
    // Looked up only for a policy-wide `tls`: most rules originate nothing.
    let mut declared: Option<Vec<u32>> = None;
    let mut out = Vec::new();
    for policy in policies {
        for port_policy in &policy.port_level_settings {
            if let (Some(port), Some(tls)) = (port_policy.port, &port_policy.tls)
                && tls.originates_tls()
            {
                out.push((Some(port.number), tls));
            }
        }
        if let Some(tls) = policy.tls.as_ref().filter(|t| t.originates_tls()) {
            let overridden: Vec<u32> = policy
                .port_level_settings
                .iter()
                .filter_map(|p| p.port.map(|s| s.number))
                .collect();
            let declared = declared.get_or_insert_with(|| declared_ports(index, host));
            if declared.is_empty() {
                out.push((None, tls));
            }
            for port in declared.iter().filter(|p| !overridden.contains(p)) {
                out.push((Some(*port), tls));
            }
        }
    }
    out.sort_by_key(|(port, _)| *port);
    out.dedup_by_key(|(port, _)| *port);
    out
}

/// The ports the ServiceEntries covering `host` declare.
fn declared_ports(index: &Index, host: &str) -> Vec<u32> {
    index
        .entries_covering(host)
        .into_iter()
        .filter_map(|i| match &index.manifests[i].spec {
            crate::manifest::Spec::ServiceEntry(entry) => Some(entry),
            _ => None,
        })
        .flat_map(|entry| entry.ports.iter().map(|p| p.number))
        .collect()
}

/// Where the routes of the input send traffic, by resolved destination host (of the hosts
/// asked about), so that each DestinationRule finds the routes to its host without reading
/// every route.
struct Traffic<'a> {
    /// The routes of each VirtualService, by its position in the input.
    routes: HashMap<usize, Vec<Route<'a>>>,
    /// VirtualService route destinations by resolved host, as (VirtualService, position of
    /// the route in `routes`, destination), in input order.
    destinations: HashMap<String, Vec<(usize, usize, &'a Destination)>>,
    /// Gateway API HTTPRoute backends by host, as (HTTPRoute, backend port), in input order.
    backends: HashMap<String, Vec<(usize, Option<u32>)>>,
}

impl<'a> Traffic<'a> {
    fn new(index: &Index<'a>, wanted: &HashSet<&str>) -> Traffic<'a> {
        let mut traffic = Traffic {
            routes: HashMap::new(),
            destinations: HashMap::new(),
            backends: HashMap::new(),
        };
        for (vs_index, vs) in index.virtual_services() {
            let vs_routes = routes(vs);
            let mut used = false;
            for (position, route) in vs_routes.iter().enumerate() {
                for d in &route.destinations {
                    let host = hosts::resolve_borrowed(&d.host, index.namespace(vs_index));
                    if wanted.contains(host.as_ref()) {
                        used = true;
                        traffic
                            .destinations
                            .entry(host.into_owned())
                            .or_default()
                            .push((vs_index, position, d));
                    }
                }
            }
            if used {
                traffic.routes.insert(vs_index, vs_routes);
            }
        }
        for (i, route) in index.http_routes() {
            for backend in route.rules.iter().flat_map(|rule| &rule.backend_refs) {
                if let Some(host) = backend.host(index.namespace(i)) {
                    traffic
                        .backends
                        .entry(host)
                        .or_default()
                        .push((i, backend.port));
                }
            }
        }
        traffic
    }

    /// The route destinations to `host`, each with its VirtualService and route.
    fn destinations_to(
        &self,
        host: &str,
    ) -> impl Iterator<Item = (usize, &Route<'a>, &'a Destination)> + '_ {
        self.destinations
            .get(host)
            .into_iter()
            .flatten()
            .map(|&(vs, position, d)| (vs, &self.routes[&vs][position], d))
    }
}

/// The first resource showing that traffic to `host:port` is already TLS, with why: a
/// ServiceEntry's TLS port, else a `tls:` route to it.
fn app_tls_evidence(
    index: &Index,
    traffic: &Traffic,
    host: &str,
    port: Option<u32>,
) -> Option<(usize, String)> {
    for entry_index in index.entries_covering(host) {
        let crate::manifest::Spec::ServiceEntry(entry) = &index.manifests[entry_index].spec else {
            continue;
        };
        for entry_port in &entry.ports {
            let protocol = entry_port.protocol.as_deref().unwrap_or_default();
            let tls =
                protocol.eq_ignore_ascii_case("HTTPS") || protocol.eq_ignore_ascii_case("TLS");
            if tls && port.is_none_or(|p| p == entry_port.number) {
                return Some((
                    entry_index,
                    format!(
                        "ServiceEntry {} declares port {} {}",
                        index.name(entry_index),
                        entry_port.number,
                        protocol.to_ascii_uppercase()
                    ),
                ));
            }
        }
    }
    let (vs_index, _, _) = traffic.destinations_to(host).find(|(_, route, d)| {
        route.kind == RouteKind::Tls
            && port.is_none_or(|p| destination_port(d, route).is_none_or(|q| q == p))
    })?;
    Some((
        vs_index,
        format!(
            "VirtualService {} forwards a TLS stream there (tls route)",
            index.name(vs_index)
        ),
    ))
}

/// A VirtualService whose `http:` route (or a Gateway API HTTPRoute whose backend) delivers
/// plain HTTP to `host:port`.
fn plain_http_route(traffic: &Traffic, host: &str, port: Option<u32>) -> Option<usize> {
    let port = port?;
    let http_route = traffic
        .backends
        .get(host)
        .into_iter()
        .flatten()
        .find(|(_, backend_port)| *backend_port == Some(port))
        .map(|(i, _)| *i);
    http_route.or_else(|| {
        traffic
            .destinations_to(host)
            .find(|(_, route, d)| {
                route.kind == RouteKind::Http && d.port.is_some_and(|q| q.number == port)
            })
            .map(|(vs_index, _, _)| vs_index)
    })
}

/// The namespaces of the gateway proxies a VirtualService's routes run on.
fn gateway_namespaces(index: &Index, vs_index: usize) -> Vec<String> {
    let crate::manifest::Spec::VirtualService(vs) = &index.manifests[vs_index].spec else {
        // A Gateway API route: its gateway's namespace is not modelled.
        return Vec::new();
    };
    index
        .bound_gateways(vs_index, vs)
        .iter()
        .filter_map(|reference| index.gateway(reference))
        .map(|(_, gateway)| index.gateway_workload_namespace(gateway))
        .collect()
}
