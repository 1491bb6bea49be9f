//! M011 `route-kind-mismatch`: a VirtualService route of a kind the Gateway server it lands
//! on never reads.
//!
//! A gateway builds each server's filter chain from one kind of route (Istio's
//! `buildGatewayTCPBasedFilterChains`): a plain HTTP server, and an HTTPS server that
//! terminates TLS (SIMPLE, MUTUAL, ISTIO_MUTUAL, OPTIONAL_MUTUAL), run the HTTP connection
//! manager with the `http:` routes; a PASSTHROUGH server matches the SNI of the client's TLS
//! with the `tls:` routes; any other server (TCP, or a TLS server that terminates and then
//! proxies bytes) uses `tcp:` routes. Routes of another kind are silently skipped: `http:`
//! routes bound to a PASSTHROUGH server are ignored (no filter chain, connections reset), and
//! `tls:` routes bound to a terminating HTTPS server leave it without routes (404). Istio's
//! troubleshooting page shows both. AUTO_PASSTHROUGH servers read no routes at all and are
//! left alone, as are invalid servers (HTTPS or TLS without `tls`).
//!
//! A route counts where it applies (its matches' `gateways`, else the VirtualService's) on
//! the servers whose port it matches and whose hosts meet the VirtualService's hosts. A
//! route without a port that also lands on a server of its kind is fine.

use super::hops::{
    RouteAt, bound_gateways, routes_at, served_route_kind, server_port, server_protocol,
    server_tls_mode, serving_positions, vs_hosts,
};
use super::routes::RouteKind;
use super::{Finding, Index};
use crate::diagnostic::codes;
use crate::manifest::Server;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, vs) in index.virtual_services() {
        let own_hosts = vs_hosts(index, i, vs);
        let serving = index.servers_serving(&own_hosts);
        for (reference, gateway) in bound_gateways(index, i, vs) {
            let Some((gateway_index, gateway)) = gateway else {
                continue;
            };
            for route in routes_at(index, i, vs, &reference) {
                let landing: Vec<&Server> = serving_positions(&serving, gateway_index)
                    .map(|position| &gateway.servers[position])
                    .filter(|s| server_port(s).is_some_and(|p| route.matches_port(p)))
                    .collect();
                for server in mismatched(&route, &landing) {
                    let Some(kind) = served_route_kind(server) else {
                        continue;
                    };
                    findings.push(
                        Finding::new(
                            codes::ROUTE_KIND_MISMATCH,
                            i,
                            message(index, i, &route, &reference, server, kind),
                        )
                        .related(gateway_index)
                        .help(help(route.route.kind, server, kind)),
                    );
                }
            }
        }
    }
}

/// The servers a route lands on that do not read its kind, when no server of its kind takes
/// it instead: for a route on explicit ports, port by port; for a route on any port, when
/// none of the servers reads it.
fn mismatched<'s>(route: &RouteAt, landing: &[&'s Server]) -> Vec<&'s Server> {
    let kind = route.route.kind;
    let reads = |s: &&Server| served_route_kind(s) == Some(kind);
    let wrong = |s: &&Server| served_route_kind(s).is_some_and(|k| k != kind);
    if route.ports.is_empty() {
        if landing.iter().any(reads) {
            return Vec::new();
        }
        return landing.iter().copied().filter(wrong).take(1).collect();
    }
    let mut out = Vec::new();
    for port in &route.ports {
        let at_port: Vec<&Server> = landing
            .iter()
            .copied()
            .filter(|s| server_port(s) == Some(*port))
            .collect();
        if !at_port.iter().any(reads)
            && let Some(server) = at_port.iter().copied().find(wrong)
        {
            out.push(server);
        }
    }
    out
}

fn server_text(server: &Server) -> String {
    let port = server_port(server).unwrap_or_default();
    let protocol = server_protocol(server);
    match server_tls_mode(server) {
        Some(mode) => format!("server {port} ({protocol}, tls.mode {mode})"),
        None => format!("server {port} ({protocol})"),
    }
}

fn message(
    index: &Index,
    i: usize,
    route: &RouteAt,
    reference: &str,
    server: &Server,
    reads: RouteKind,
) -> String {
    let kind = route.route.kind;
    let what = match (reads, server_tls_mode(server).as_deref()) {
        (RouteKind::Tls, _) => "passes TLS through by SNI and reads only `tls:` routes".to_owned(),
        (RouteKind::Http, Some(mode)) => {
            format!("terminates TLS ({mode}) and routes HTTP: it reads only `http:` routes")
        }
        (RouteKind::Http, None) => "is plain HTTP and reads only `http:` routes".to_owned(),
        (RouteKind::Tcp, Some(mode)) => {
            format!("terminates TLS ({mode}) and proxies the bytes: it reads only `tcp:` routes")
        }
        (RouteKind::Tcp, None) => "proxies TCP and reads only `tcp:` routes".to_owned(),
    };
    let symptom = match (kind, reads) {
        (RouteKind::Tls, RouteKind::Http) => "the server has no route for these requests (404 NR)",
        (RouteKind::Http, RouteKind::Tls) => {
            "the route is ignored and connections are reset (no filter chain matches)"
        }
        _ => "the route is ignored and connections get no route (reset)",
    };
    format!(
        "VirtualService {}: {} applies at Gateway {reference} {}, which {what}; {symptom}",
        index.name(i),
        route.describe(),
        server_text(server),
    )
}

fn help(kind: RouteKind, server: &Server, reads: RouteKind) -> String {
    match (kind, reads) {
        (RouteKind::Http, RouteKind::Tls) => {
            "write `tls:` routes that match `sniHosts` (the app's TLS passes through), \
             or terminate at the gateway (`tls.mode: SIMPLE` with a `credentialName`, or \
             ISTIO_MUTUAL for a mesh hop) and keep the `http:` routes"
                .to_owned()
        }
        (RouteKind::Tls, RouteKind::Http) => {
            "write `http:` routes (the gateway terminates TLS and sees HTTP requests), or \
             set the server's `tls.mode: PASSTHROUGH` to route the TLS stream by SNI"
                .to_owned()
        }
        _ => format!(
            "write `{}:` routes for {}, or change the server to read `{}:` routes",
            reads.field(),
            server_text(server),
            kind.field()
        ),
    }
}
