//! The routes of a VirtualService as one list, whatever their kind, so rules can ask "which
//! routes send traffic where" without three loops.

use crate::manifest::{Destination, RouteMatch, VirtualService};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    Http,
    Tls,
    Tcp,
}

impl RouteKind {
    pub fn field(self) -> &'static str {
        match self {
            RouteKind::Http => "http",
            RouteKind::Tls => "tls",
            RouteKind::Tcp => "tcp",
        }
    }
}

/// One route: its kind, its position in its list, its matches and where it sends traffic
/// (its destinations, and its mirror for http).
#[derive(Clone, Debug)]
pub struct Route<'a> {
    pub kind: RouteKind,
    pub index: usize,
    pub matches: &'a [RouteMatch],
    pub destinations: Vec<&'a Destination>,
}

impl Route<'_> {
    /// The ports this route matches on; empty when it matches any port.
    pub fn match_ports(&self) -> Vec<u32> {
        if self.matches.iter().any(|m| m.port.is_none()) {
            return Vec::new();
        }
        self.matches.iter().filter_map(|m| m.port).collect()
    }

    /// Does the route match traffic arriving on `port`?
    pub fn matches_port(&self, port: u32) -> bool {
        let ports = self.match_ports();
        ports.is_empty() || ports.contains(&port)
    }
}

/// Every route of a VirtualService, http first, then tls, then tcp.
pub fn routes(vs: &VirtualService) -> Vec<Route<'_>> {
    let mut out = Vec::new();
    for (index, route) in vs.http.iter().enumerate() {
        let mut destinations: Vec<&Destination> = route
            .route
            .iter()
            .filter_map(|r| r.destination.as_ref())
            .collect();
        destinations.extend(route.mirror.as_ref());
        out.push(Route {
            kind: RouteKind::Http,
            index,
            matches: &route.matches,
            destinations,
        });
    }
    for (index, route) in vs.tls.iter().enumerate() {
        out.push(Route {
            kind: RouteKind::Tls,
            index,
            matches: &route.matches,
            destinations: route
                .route
                .iter()
                .filter_map(|r| r.destination.as_ref())
                .collect(),
        });
    }
    for (index, route) in vs.tcp.iter().enumerate() {
        out.push(Route {
            kind: RouteKind::Tcp,
            index,
            matches: &route.matches,
            destinations: route
                .route
                .iter()
                .filter_map(|r| r.destination.as_ref())
                .collect(),
        });
    }
    out
}

/// The port a destination sends to: its own `port`, else the port the route matched (the
/// port traffic arrived on is kept), else `None` (any).
pub fn destination_port(destination: &Destination, route: &Route) -> Option<u32> {
    destination
        .port
        .map(|p| p.number)
        .or_else(|| match route.match_ports().as_slice() {
            [port] => Some(*port),
            _ => None,
        })
}
