//! The two hops of an egress route, as the gateway rules need them.
//!
//! Istio's egress-gateway recipes route a host twice in one VirtualService (or two): the
//! *mesh hop* (routes that apply to `mesh`, the sidecars) sends the traffic to the egress
//! gateway's Service, and the *gateway hop* (routes that apply at the Gateway) forwards it to
//! the external host. This module finds the routes that apply at one gateway with the ports
//! they match there, tells whether a mesh-hop destination is the Service in front of a
//! Gateway, and reads a Gateway server the way Istio builds its listener; `hops/legs.rs` finds
//! every mesh hop into a Gateway server (the gateway legs), with the sidecars that take it and
//! the TLS their DestinationRules make them send.

mod legs;

pub(super) use legs::find_gateway_legs;
pub use legs::{GatewayLeg, LegClient, client_namespaces};

use std::borrow::Cow;

use super::index::MESH_GATEWAY;
pub use super::merged_rules::{ClientTlsSetting, MergedRules, SubsetDefiners};
use super::routes::{Route, RouteKind, routes};
use super::{Index, hosts};
use crate::manifest::{Destination, Gateway, Server, Service, VirtualService};

/// A route of a VirtualService where it applies at one gateway (or `mesh`), with the ports
/// its applying matches select there (empty: any port).
#[derive(Clone, Debug)]
pub struct RouteAt<'a> {
    pub route: Route<'a>,
    pub ports: Vec<u32>,
}

impl RouteAt<'_> {
    pub fn matches_port(&self, port: u32) -> bool {
        self.ports.is_empty() || self.ports.contains(&port)
    }

    /// The port a destination of this route sends to: its own `port`, else the one port the
    /// route matched here (the port traffic arrived on is kept), else `None` (unknown).
    pub fn destination_port(&self, destination: &Destination) -> Option<u32> {
        destination
            .port
            .map(|p| p.number)
            .filter(|p| *p != 0)
            .or(match self.ports.as_slice() {
                [port] => Some(*port),
                _ => None,
            })
    }

    /// `http route #2`: how a message names the route.
    pub fn describe(&self) -> String {
        format!(
            "{} route #{}",
            self.route.kind.field(),
            self.route.index + 1
        )
    }
}

/// The routes of a VirtualService that apply at `gateway` (a resolved `namespace/name` or
/// `mesh`), looking at each match on its own: a route whose first match is for `mesh` on
/// port 443 and second for the gateway on port 80 applies at the gateway on port 80 only.
pub fn routes_at<'a>(
    index: &Index,
    i: usize,
    vs: &'a VirtualService,
    gateway: &str,
) -> Vec<RouteAt<'a>> {
    let bound = index.bound_gateway_references(i, vs);
    let namespace = index.namespace(i);
    let mut out = Vec::new();
    for route in routes(vs) {
        if route.matches.is_empty() {
            if bound.iter().any(|g| g == gateway) {
                out.push(RouteAt {
                    route,
                    ports: Vec::new(),
                });
            }
            continue;
        }
        let mut applies = false;
        let mut any_port = false;
        let mut ports = Vec::new();
        for m in route.matches {
            let here = if m.gateways.is_empty() {
                bound.iter().any(|g| g == gateway)
            } else {
                m.gateways
                    .iter()
                    .any(|g| index.reference_resolves_to(g, namespace, gateway))
            };
            if !here {
                continue;
            }
            applies = true;
            match m.port {
                Some(port) if port != 0 => ports.push(port),
                _ => any_port = true,
            }
        }
        if applies {
            if any_port {
                ports.clear();
            }
            ports.sort_unstable();
            ports.dedup();
            out.push(RouteAt { route, ports });
        }
    }
    out
}

/// The non-mesh gateways a VirtualService binds, as resolved references, with the Gateway
/// each names when the input has it. Empty references (`""`, `ns/`) are left out.
pub fn bound_gateways<'a>(
    index: &Index<'a>,
    i: usize,
    vs: &VirtualService,
) -> Vec<(String, Option<(usize, &'a Gateway)>)> {
    let mut out: Vec<(String, Option<(usize, &'a Gateway)>)> = Vec::new();
    for reference in index.bound_gateway_references(i, vs).iter() {
        let named = reference
            .split_once('/')
            .is_some_and(|(namespace, name)| !namespace.is_empty() && !name.is_empty());
        if reference == MESH_GATEWAY || !named || out.iter().any(|(r, _)| r == reference) {
            continue;
        }
        out.push((reference.clone(), index.gateway(reference)));
    }
    out
}

/// The hosts of a VirtualService, resolved in its namespace (empty ones left out).
pub fn vs_hosts(index: &Index, i: usize, vs: &VirtualService) -> Vec<String> {
    vs_hosts_borrowed(index, i, vs)
        .into_iter()
        .map(Cow::into_owned)
        .collect()
}

/// [`vs_hosts`], borrowing the hosts written in full: for tables held while the rules run.
pub fn vs_hosts_borrowed<'v>(index: &Index, i: usize, vs: &'v VirtualService) -> Vec<Cow<'v, str>> {
    vs.hosts
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| hosts::resolve_borrowed(h, index.namespace(i)))
        .collect()
}

/// A destination's host, resolved in the VirtualService's namespace (borrowed when written
/// in full); `None` when empty.
pub fn destination_host<'d>(
    index: &Index,
    i: usize,
    destination: &'d Destination,
) -> Option<Cow<'d, str>> {
    (!destination.host.is_empty())
        .then(|| hosts::resolve_borrowed(&destination.host, index.namespace(i)))
}

/// The cluster FQDN of a Service in the input.
pub fn service_fqdn(index: &Index, service: usize) -> String {
    format!(
        "{}.{}.svc.{}",
        index.name(service),
        index.namespace(service),
        hosts::CLUSTER_DOMAIN
    )
}

/// Does a Service select the pods a Gateway's selector picks (both selectors agree on every
/// label both name, and share at least one)?
fn selects_gateway(service: &Service, gateway: &Gateway) -> bool {
    !service.selector.is_empty()
        && !gateway.selector.is_empty()
        && gateway
            .selector
            .iter()
            .all(|(k, v)| service.selector.get(k).is_none_or(|s| s == v))
        && service
            .selector
            .iter()
            .any(|(k, v)| gateway.selector.get(k) == Some(v))
}

/// Is `host` (a resolved mesh-hop destination) the Service in front of `gateway`'s pods?
///
/// When the input has the Service behind `host`, its selector decides; else, when the input
/// has a Service for the Gateway's pods, the host must be that Service. Without either, a
/// cluster-local Service host that is none of `not_gateway` (the VirtualService's own hosts
/// and the gateway hop's destinations) is taken to be the gateway: that is what the mesh hop
/// of every egress recipe looks like (`istio-egressgateway.istio-system.svc.cluster.local`).
pub fn points_at_gateway(
    index: &Index,
    gateway: Option<&Gateway>,
    host: &str,
    not_gateway: &[String],
) -> bool {
    points_at_gateway_unless(index, gateway, host, |h| not_gateway.iter().any(|n| n == h))
}

/// [`points_at_gateway`], with the hosts that are not the gateway given as a test: a set
/// lookup, where a VirtualService has thousands of hosts.
pub fn points_at_gateway_unless(
    index: &Index,
    gateway: Option<&Gateway>,
    host: &str,
    not_gateway: impl Fn(&str) -> bool,
) -> bool {
    if let Some(service) = index.service_for_host(host) {
        return match (gateway, &index.manifests[service].spec) {
            (Some(gateway), crate::manifest::Spec::Service(spec)) => selects_gateway(spec, gateway),
            _ => !not_gateway(host),
        };
    }
    if let Some(service) = gateway.and_then(|g| index.gateway_service(g)) {
        return service_fqdn(index, service) == host;
    }
    hosts::cluster_service(host).is_some() && !not_gateway(host)
}

/// The positions (in its `servers`) of the servers of Gateway `gateway` among `serving`, as
/// [`Index::servers_serving`] returns them, in order.
pub fn serving_positions(
    serving: &[(usize, usize)],
    gateway: usize,
) -> impl Iterator<Item = usize> + '_ {
    let start = serving.partition_point(|&(g, _)| g < gateway);
    serving[start..]
        .iter()
        .take_while(move |&&(g, _)| g == gateway)
        .map(|&(_, position)| position)
}

/// A server host without its `namespace/` part.
pub fn server_host(host: &str) -> &str {
    host.rsplit_once('/').map_or(host, |(_, h)| h)
}

/// Does a Gateway server serve one of these (resolved) hosts?
pub fn serves_any(server: &Server, hosts_: &[String]) -> bool {
    server.hosts.iter().any(|pattern| {
        let pattern = server_host(pattern);
        hosts_.iter().any(|h| hosts::intersect(pattern, h))
    })
}

/// A server's port number; `None` when it has none (or 0).
pub fn server_port(server: &Server) -> Option<u32> {
    server.port.as_ref().map(|p| p.number).filter(|n| *n != 0)
}

/// A server's protocol, upper case; empty when unset.
pub fn server_protocol(server: &Server) -> String {
    server
        .port
        .as_ref()
        .and_then(|p| p.protocol.as_deref())
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// A server's TLS mode, upper case: `None` without a `tls` block; `PASSTHROUGH` when the
/// block names no mode (the proto's default value).
pub fn server_tls_mode(server: &Server) -> Option<String> {
    server.tls.as_ref().map(|tls| {
        tls.mode
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or("PASSTHROUGH")
            .to_ascii_uppercase()
    })
}

/// Protocols Istio handles with its HTTP connection manager (`protocol.IsHTTP`).
pub fn is_http_protocol(protocol: &str) -> bool {
    matches!(
        protocol.to_ascii_uppercase().as_str(),
        "HTTP" | "HTTP2" | "HTTP_PROXY" | "GRPC" | "GRPC-WEB"
    )
}

/// The route kind a Gateway server builds its filter chain from, as Istio's
/// `buildGatewayTCPBasedFilterChains` decides: plain HTTP servers and HTTPS servers that
/// terminate TLS use `http:` routes; PASSTHROUGH servers forward by SNI with `tls:` routes;
/// everything else (TCP, or TLS terminated and then proxied) uses `tcp:` routes. `None` when
/// routes do not matter (AUTO_PASSTHROUGH) or the server is invalid (HTTPS/TLS without
/// `tls`).
pub fn served_route_kind(server: &Server) -> Option<RouteKind> {
    let protocol = server_protocol(server);
    if is_http_protocol(&protocol) {
        return Some(RouteKind::Http);
    }
    match server_tls_mode(server).as_deref() {
        None if matches!(protocol.as_str(), "HTTPS" | "TLS") => None,
        Some("PASSTHROUGH") => Some(RouteKind::Tls),
        Some("AUTO_PASSTHROUGH") => None,
        Some(_) if protocol == "HTTPS" => Some(RouteKind::Http),
        None | Some(_) => Some(RouteKind::Tcp),
    }
}

/// ` (subset cnn)` or nothing: how a message names a destination's subset.
pub fn subset_text(destination: &Destination) -> String {
    destination
        .subset
        .as_deref()
        .filter(|s| !s.is_empty())
        .map_or_else(String::new, |s| format!(" (subset {s})"))
}

/// Where a VirtualService's `mesh` routes send its hosts when that is another host (the
/// egress gateway's Service): the detour of the two-hop pattern. `None` when the mesh
/// routes go to the hosts themselves, or there are none.
pub fn mesh_detour(index: &Index, i: usize, vs: &VirtualService) -> Option<String> {
    let namespace = index.namespace(i);
    let vs_hosts = vs_hosts(index, i, vs);
    routes(vs)
        .iter()
        .filter(|route| index.route_applies(i, vs, route.matches, MESH_GATEWAY))
        .flat_map(|route| route.destinations.iter())
        .map(|d| hosts::resolve(&d.host, namespace))
        .find(|d| !d.is_empty() && !vs_hosts.iter().any(|h| hosts::intersect(h, d)))
}
