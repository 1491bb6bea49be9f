//! The routes of a VirtualService as one list, whatever their kind, so rules can ask "which
//! routes send traffic where" without three loops.

use crate::manifest::{Destination, RouteDestination, RouteMatch, VirtualService};

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
    pub destinations: Destinations<'a>,
}

/// Where a route sends traffic: the destinations of its weighted list, then its mirror.
/// Borrowed from the route, not collected: every rule lists the routes of every
/// VirtualService, so a list per route was an allocation per route per rule.
#[derive(Clone, Copy, Debug)]
pub struct Destinations<'a> {
    weighted: &'a [RouteDestination],
    mirror: Option<&'a Destination>,
}

/// The iterator of [`Destinations`].
pub type DestinationIter<'a> = std::iter::Chain<
    std::iter::FilterMap<
        std::slice::Iter<'a, RouteDestination>,
        fn(&'a RouteDestination) -> Option<&'a Destination>,
    >,
    std::option::IntoIter<&'a Destination>,
>;

impl<'a> Destinations<'a> {
    pub fn iter(&self) -> DestinationIter<'a> {
        let destination: fn(&'a RouteDestination) -> Option<&'a Destination> =
            |r| r.destination.as_ref();
        self.weighted
            .iter()
            .filter_map(destination)
            .chain(self.mirror)
    }
}

impl<'a> IntoIterator for &Destinations<'a> {
    type Item = &'a Destination;
    type IntoIter = DestinationIter<'a>;

    fn into_iter(self) -> DestinationIter<'a> {
        self.iter()
    }
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
    let mut out = Vec::with_capacity(vs.http.len() + vs.tls.len() + vs.tcp.len());
    for (index, route) in vs.http.iter().enumerate() {
        out.push(Route {
            kind: RouteKind::Http,
            index,
            matches: &route.matches,
            destinations: Destinations {
                weighted: &route.route,
                mirror: route.mirror.as_ref(),
            },
        });
    }
    for (index, route) in vs.tls.iter().enumerate() {
        out.push(Route {
            kind: RouteKind::Tls,
            index,
            matches: &route.matches,
            destinations: Destinations {
                weighted: &route.route,
                mirror: None,
            },
        });
    }
    for (index, route) in vs.tcp.iter().enumerate() {
        out.push(Route {
            kind: RouteKind::Tcp,
            index,
            matches: &route.matches,
            destinations: Destinations {
                weighted: &route.route,
                mirror: None,
            },
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
