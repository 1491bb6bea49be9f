//! M014 `route-skips-gateway`: a VirtualService meant to send an external host through an
//! egress gateway whose hops do not connect.
//!
//! Egress through a gateway takes two hops: sidecars (`mesh`) route the host to the
//! gateway's Service, and the gateway routes it out. The rule judges VirtualServices bound
//! to an egress Gateway (a non-mesh gateway that does not select ingress pods) for hosts
//! outside the cluster (covered by a ServiceEntry that is not MESH_INTERNAL, or not a
//! cluster-local name), whose gateway hop forwards outside the cluster too:
//!
//! - (a) no mesh hop: no route applies to `mesh` in this VirtualService, and no other
//!   mesh-bound VirtualService for the host routes to the gateway's Service. Sidecars then
//!   send the traffic straight to the host (or drop it under REGISTRY_ONLY); the gateway's
//!   routes are never used. Judged only when the input has the Gateway (else the input is
//!   likely partial, and the gateway may not be an egress gateway).
//! - (b) a mesh hop to the external host itself (typically a route without `gateways` in its
//!   match, which applies to `mesh` as well as to the gateway), on a port the gateway hop
//!   handles: sidecar traffic bypasses the gateway.
//! - (c) a mesh hop to the gateway's Service on a port for which no route (of any
//!   VirtualService bound to that gateway, for these hosts) applies at the gateway: the
//!   traffic reaches the gateway and finds no route (404, or a reset connection).
//!
//! VirtualServices bound only to `mesh` (Istio's `egress-control` recipe: a timeout on an
//! external host, no gateway) have nothing to skip and are not judged.

use std::borrow::Cow;

use foldhash::HashSet;

use super::hops::{
    RouteAt, bound_gateways, destination_host, points_at_gateway, points_at_gateway_unless,
    routes_at, vs_hosts,
};
use super::host_map::HostMap;
use super::index::MESH_GATEWAY;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{Gateway, Spec, VirtualService};

/// A gateway the VirtualService binds (resolved reference, the Gateway if the input has it)
/// with the routes that apply there.
type EgressBinding<'a> = (String, Option<(usize, &'a Gateway)>, Vec<RouteAt<'a>>);

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, vs) in index.virtual_services() {
        // `*` is valid only for gateways and says nothing about which host is meant.
        let own_hosts: Vec<String> = vs_hosts(index, i, vs)
            .into_iter()
            .filter(|h| h != "*")
            .collect();
        let external: Vec<String> = own_hosts
            .iter()
            .filter(|h| is_external(index, h))
            .cloned()
            .collect();
        if external.is_empty() {
            continue;
        }
        let egress: Vec<EgressBinding> = bound_gateways(index, i, vs)
            .into_iter()
            .filter(|(reference, gateway)| !is_ingress(reference, gateway.map(|g| g.1)))
            .map(|(reference, gateway)| {
                let routes = routes_at(index, i, vs, &reference);
                (reference, gateway, routes)
            })
            .filter(|(_, _, routes)| forwards_out(index, i, routes))
            .collect();
        if egress.is_empty() {
            continue;
        }
        let mesh_routes = routes_at(index, i, vs, MESH_GATEWAY);
        // The VirtualService's hosts as a map: one VirtualService may route thousands.
        let mut own_host_map: HostMap<'_, ()> = HostMap::default();
        for host in &own_hosts {
            own_host_map.insert(host.as_str(), ());
        }
        for (reference, gateway, gateway_routes) in &egress {
            let gateway_ref = gateway.map(|(_, g)| g);
            let gateway_destinations: Vec<String> = gateway_routes
                .iter()
                .flat_map(|route| &route.route.destinations)
                .filter_map(|d| destination_host(index, i, d).map(Cow::into_owned))
                .collect();
            let not_gateway: HashSet<&str> = own_hosts
                .iter()
                .chain(&gateway_destinations)
                .map(String::as_str)
                .collect();
            // Looked up once per gateway, not per mesh route: one VirtualService may route
            // thousands of hosts.
            let mut routed: Option<RoutedPorts> = None;
            let related = |f: Finding| match gateway {
                Some((g, _)) => f.related(*g),
                None => f,
            };
            if mesh_routes.is_empty() {
                // Judged only when the input has the Gateway: without it the input is
                // likely partial (the mesh hop may live elsewhere too), and whether the
                // gateway is an egress gateway is unknown.
                if gateway_ref.is_some()
                    && !other_mesh_hop(index, i, &external, reference, gateway_ref)
                {
                    findings.push(related(no_mesh_hop(index, i, vs, &external, reference)));
                }
                continue;
            }
            for route in &mesh_routes {
                for destination in &route.route.destinations {
                    let Some(host) = destination_host(index, i, destination) else {
                        continue;
                    };
                    if !own_host_map.intersecting(&host).is_empty()
                        && shares_port(route, gateway_routes)
                    {
                        let both = gateway_routes.iter().any(|g| {
                            g.route.kind == route.route.kind && g.route.index == route.route.index
                        });
                        let why = if both {
                            "the route names no `gateways` in its match, so it applies to \
                             `mesh` as well as to the gateway"
                        } else {
                            "sidecars never reach the gateway"
                        };
                        findings.push(related(
                            Finding::new(
                                codes::ROUTE_SKIPS_GATEWAY,
                                i,
                                format!(
                                    "VirtualService {}: its mesh hop ({}) sends sidecar traffic \
                                     for {} straight to {host}, bypassing Gateway {reference}: \
                                     {why}",
                                    index.name(i),
                                    route.describe(),
                                    external.join(", "),
                                ),
                            )
                            .help(format!(
                                "write one route per hop: `match: [{{gateways: [mesh]}}]` to \
                                 the gateway's Service, and `match: [{{gateways: [{}]}}]` to \
                                 {host}",
                                written(index, i, reference)
                            )),
                        ));
                        continue;
                    }
                    let not_gateway = |h: &str| not_gateway.contains(h);
                    if !points_at_gateway_unless(index, gateway_ref, &host, not_gateway) {
                        continue;
                    }
                    let Some(port) = route.destination_port(destination) else {
                        continue;
                    };
                    let routed =
                        routed.get_or_insert_with(|| routed_ports(index, &external, reference));
                    if !routed.contains(port) {
                        findings.push(related(
                            Finding::new(
                                codes::ROUTE_SKIPS_GATEWAY,
                                i,
                                format!(
                                    "VirtualService {}: its mesh hop ({}) sends {} to \
                                     {host}:{port}, but no route applies at Gateway \
                                     {reference} on port {port} for these hosts: the traffic \
                                     reaches the gateway and finds no route (404 NR or a \
                                     reset)",
                                    index.name(i),
                                    route.describe(),
                                    external.join(", "),
                                ),
                            )
                            .help(format!(
                                "add the gateway hop: a route with `match: [{{gateways: [{}], \
                                 port: {port}}}]` to the external host, or send the mesh hop to \
                                 the port the gateway routes",
                                written(index, i, reference)
                            )),
                        ));
                    }
                }
            }
        }
    }
}

/// A host outside the cluster: covered by (or covering) a ServiceEntry host that is not
/// MESH_INTERNAL, or, with no entry for it, not a cluster-local name.
fn is_external(index: &Index, host: &str) -> bool {
    let entries = index.entries_intersecting(host);
    let outside = entries.iter().any(|&e| match &index.manifests[e].spec {
        Spec::ServiceEntry(entry) => !entry
            .location
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case("MESH_INTERNAL")),
        _ => false,
    });
    outside
        || (entries.is_empty()
            && host.contains('.')
            && !host.ends_with(&format!(".svc.{}", hosts::CLUSTER_DOMAIN)))
}

/// The VirtualServices with a host that has a name in common with one of `hosts_`, in input
/// order.
fn virtual_services_for<'a>(
    index: &Index<'a>,
    hosts_: &[String],
) -> impl Iterator<Item = (usize, &'a VirtualService)> {
    let mut found: Vec<usize> = hosts_
        .iter()
        .flat_map(|h| index.virtual_services_intersecting(h))
        .collect();
    found.sort_unstable();
    found.dedup();
    let manifests = index.manifests;
    found
        .into_iter()
        .filter_map(move |j| match &manifests[j].spec {
            Spec::VirtualService(vs) => Some((j, &**vs)),
            _ => None,
        })
}

/// A gateway for ingress traffic: its name or its selector's values say `ingress`.
fn is_ingress(reference: &str, gateway: Option<&Gateway>) -> bool {
    names_ingress(reference)
        || gateway.is_some_and(|g| g.selector.values().any(|v| names_ingress(v)))
}

/// Does the text contain `ingress`, in any case? Without a lower-case copy: this is asked
/// for every gateway every VirtualService binds.
fn names_ingress(text: &str) -> bool {
    text.as_bytes()
        .windows("ingress".len())
        .any(|window| window.eq_ignore_ascii_case(b"ingress"))
}

/// Does the gateway hop forward outside the cluster (to an external host)?
fn forwards_out(index: &Index, i: usize, routes: &[RouteAt]) -> bool {
    routes.iter().any(|route| {
        route
            .route
            .destinations
            .iter()
            .any(|d| destination_host(index, i, d).is_some_and(|host| is_external(index, &host)))
    })
}

fn shares_port(route: &RouteAt, others: &[RouteAt]) -> bool {
    others.iter().any(|other| {
        route.ports.is_empty()
            || other.ports.is_empty()
            || route.ports.iter().any(|p| other.ports.contains(p))
    })
}

/// How the VirtualService should write a gateway reference: the bare name in its own
/// namespace, `namespace/name` elsewhere.
fn written(index: &Index, i: usize, reference: &str) -> String {
    match reference.split_once('/') {
        Some((namespace, name)) if namespace == index.namespace(i) => name.to_owned(),
        _ => reference.to_owned(),
    }
}

/// Does another mesh-bound VirtualService for one of these hosts route sidecars to the
/// gateway's Service?
fn other_mesh_hop(
    index: &Index,
    this: usize,
    external: &[String],
    reference: &str,
    gateway: Option<&Gateway>,
) -> bool {
    virtual_services_for(index, external).any(|(j, other)| {
        if j == this {
            return false;
        }
        let other_hosts = vs_hosts(index, j, other);
        let mut not_gateway = other_hosts.clone();
        for route in routes_at(index, j, other, reference) {
            for d in &route.route.destinations {
                not_gateway.extend(destination_host(index, j, d).map(Cow::into_owned));
            }
        }
        routes_at(index, j, other, MESH_GATEWAY)
            .iter()
            .any(|route| {
                route.route.destinations.iter().any(|d| {
                    destination_host(index, j, d)
                        .is_some_and(|h| points_at_gateway(index, gateway, &h, &not_gateway))
                })
            })
    })
}

/// The ports on which a route of some VirtualService bound to a gateway, for one of some
/// hosts, applies there.
struct RoutedPorts {
    /// Some route applies on any port.
    any: bool,
    ports: Vec<u32>,
}

impl RoutedPorts {
    fn contains(&self, port: u32) -> bool {
        self.any || self.ports.contains(&port)
    }
}

fn routed_ports(index: &Index, external: &[String], reference: &str) -> RoutedPorts {
    let mut routed = RoutedPorts {
        any: false,
        ports: Vec::new(),
    };
    for (j, other) in virtual_services_for(index, external) {
        for route in routes_at(index, j, other, reference) {
            routed.any |= route.ports.is_empty();
            routed.ports.extend(route.ports);
        }
    }
    routed.ports.sort_unstable();
    routed.ports.dedup();
    routed
}

fn no_mesh_hop(
    index: &Index,
    i: usize,
    vs: &VirtualService,
    external: &[String],
    reference: &str,
) -> Finding {
    let registry_only = index
        .mesh
        .outbound_mode
        .as_ref()
        .is_some_and(|(mode, _)| mode.eq_ignore_ascii_case("REGISTRY_ONLY"));
    let fate = if registry_only {
        "go straight to the host, or are blocked (REGISTRY_ONLY) unless a ServiceEntry \
         allows them"
    } else {
        "go straight to the host"
    };
    let binds_mesh = index
        .bound_gateways(i, vs)
        .iter()
        .any(|g| g == MESH_GATEWAY);
    let why = if binds_mesh {
        "none of its routes applies to `mesh`"
    } else {
        "it is not bound to `mesh`"
    };
    Finding::new(
        codes::ROUTE_SKIPS_GATEWAY,
        i,
        format!(
            "VirtualService {} routes {} at Gateway {reference}, but {why} and no other \
             VirtualService routes sidecars to the gateway: sidecar requests {fate}, never \
             through the gateway",
            index.name(i),
            external.join(", "),
        ),
    )
    .help(format!(
        "add the mesh hop: bind `mesh` as well and add a route with `match: [{{gateways: \
         [mesh], port: ...}}]` to the gateway's Service (e.g. \
         istio-egressgateway.istio-system.svc.cluster.local); give the route out \
         `match: [{{gateways: [{}]}}]`",
        written(index, i, reference)
    ))
}

#[cfg(test)]
mod tests {
    use super::names_ingress;

    #[test]
    fn ingress_is_recognised_in_any_case_and_anywhere() {
        assert!(names_ingress("istio-system/istio-ingressgateway"));
        assert!(names_ingress("IngressGateway"));
        assert!(names_ingress("my-INGRESS"));
        assert!(!names_ingress("istio-system/istio-egressgateway"));
        assert!(!names_ingress("ingres"));
        assert!(!names_ingress(""));
    }
}
