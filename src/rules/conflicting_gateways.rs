//! M020 `conflicting-gateways`: two Gateways configure the same gateway pods with servers on
//! the same port for the same host.
//!
//! Istio merges every Gateway that selects a gateway proxy into one set of listeners, one per
//! port. Two servers on one port that name the same host cannot both be kept: TLS servers
//! would give Envoy two identical SNI filter chains, so Istio skips the later one ("skipping
//! server on gateway ..., duplicate host names"); servers of protocols that cannot share a
//! port (TCP and HTTP) are skipped the same way; HTTP servers are merged, and the host's
//! routes come from whichever VirtualService is taken first. Which Gateway wins depends on
//! creation order, so one team's egress Gateway can silently disable another's.
//!
//! Istio's analyzer reports the same as IST0145 (ConflictingGateways): for each server, the
//! other Gateways whose selector is the same, or is contained in this one's (or contains it)
//! while both select the same pods, with a server on the same port and `bind` that shares a
//! host name. Without pods in the input, a selector contained in another selects every pod
//! the other selects, so containment alone is a conflict here. Host names are compared as
//! Istio's gateway merging compares them: `*/host` is `host`, `./host` is
//! `<gateway-namespace>/host`; wildcards are not expanded (`*.example.com` and
//! `api.example.com` are different SNI matches and do not conflict).

use foldhash::{HashMap, HashMapExt};

use super::{Finding, Index};
use crate::diagnostic::codes;
use crate::manifest::{Gateway, Labels, Server, Spec};

/// A server's port, `bind` and one of its hosts: two servers conflict only on a shared one.
type ServerKey<'a> = (u32, Option<&'a str>, String);

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    // The Gateways with a server for each (port, bind, host), so that a server is compared
    // only with the Gateways that share one with it, not with every Gateway.
    let mut by_server: HashMap<ServerKey, Vec<usize>> = HashMap::new();
    for (g, gateway) in index.gateways() {
        for server in &gateway.servers {
            let Some(port) = server.port.as_ref().map(|p| p.number) else {
                continue;
            };
            for host in server_hosts(server, index.namespace(g)) {
                let gateways = by_server
                    .entry((port, server.bind.as_deref(), host))
                    .or_default();
                if gateways.last() != Some(&g) {
                    gateways.push(g);
                }
            }
        }
    }
    for (a, mine) in index.gateways() {
        for server in &mine.servers {
            let Some(port) = server.port.as_ref().map(|p| p.number) else {
                continue;
            };
            let my_hosts = server_hosts(server, index.namespace(a));
            let mut others: Vec<usize> = my_hosts
                .iter()
                .filter_map(|h| by_server.get(&(port, server.bind.as_deref(), h.clone())))
                .flatten()
                .copied()
                .filter(|&b| b != a)
                .collect();
            others.sort_unstable();
            others.dedup();
            for b in others {
                let Spec::Gateway(theirs) = &index.manifests[b].spec else {
                    continue;
                };
                let Some(relation) = selector_relation(&mine.selector, &theirs.selector) else {
                    continue;
                };
                let shared: Vec<String> = theirs
                    .servers
                    .iter()
                    .filter(|s| {
                        s.port.as_ref().map(|p| p.number) == Some(port) && s.bind == server.bind
                    })
                    .flat_map(|s| server_hosts(s, index.namespace(b)))
                    .filter(|h| my_hosts.contains(h))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if shared.is_empty() {
                    continue;
                }
                findings.push(finding(index, a, b, mine, port, &shared, relation));
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Relation {
    Same,
    /// This Gateway's selector is contained in the other's (it selects at least its pods).
    Wider,
    /// The other's selector is contained in this one's.
    Narrower,
}

/// How two selectors relate when they select the same pods for sure: equal, or one contained
/// in the other. `None` when neither contains the other.
fn selector_relation(mine: &Labels, theirs: &Labels) -> Option<Relation> {
    let contained = |small: &Labels, big: &Labels| small.iter().all(|(k, v)| big.get(k) == Some(v));
    if mine == theirs {
        Some(Relation::Same)
    } else if contained(mine, theirs) {
        Some(Relation::Wider)
    } else if contained(theirs, mine) {
        Some(Relation::Narrower)
    } else {
        None
    }
}

/// A server's hosts the way Istio's gateway merging compares them.
fn server_hosts(server: &Server, namespace: &str) -> Vec<String> {
    server
        .hosts
        .iter()
        .filter(|h| !h.is_empty())
        .map(|host| match host.split_once('/') {
            Some((".", name)) => format!("{namespace}/{name}"),
            Some(("*", name)) => name.to_owned(),
            _ => host.to_string(),
        })
        .collect()
}

fn finding(
    index: &Index,
    a: usize,
    b: usize,
    mine: &Gateway,
    port: u32,
    shared: &[String],
    relation: Relation,
) -> Finding {
    let selector = |g: &Gateway| -> String {
        if g.selector.is_empty() {
            "no selector: every gateway".to_owned()
        } else {
            g.selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let other = format!("{}/{}", index.namespace(b), index.name(b));
    let theirs = match &index.manifests[b].spec {
        crate::manifest::Spec::Gateway(g) => selector(g),
        _ => String::new(),
    };
    let pods = match relation {
        Relation::Same => format!(
            "Gateway selects the same gateway pods as Gateway {other} ({})",
            selector(mine)
        ),
        Relation::Wider => format!(
            "Gateway's selector ({}) is contained in that of Gateway {other} ({theirs}), so \
             it selects every gateway pod the other selects",
            selector(mine)
        ),
        Relation::Narrower => format!(
            "Gateway's selector ({}) contains that of Gateway {other} ({theirs}), so every \
             gateway pod it selects is selected by the other too",
            selector(mine)
        ),
    };
    let hosts = shared.join(", ");
    Finding::new(
        codes::CONFLICTING_GATEWAYS,
        a,
        format!(
            "{pods}, and both have a server on port {port} for \
             {hosts}: the gateway proxies keep only one of the two servers for {hosts} \
             (the other is rejected or its routes are dropped), depending on creation order"
        ),
    )
    .related(b)
    .help(format!(
        "serve {hosts} on port {port} from one Gateway and bind every VirtualService for it \
         to that Gateway, or give the Gateways selectors of different gateway deployments"
    ))
}
