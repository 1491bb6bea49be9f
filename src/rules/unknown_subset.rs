//! M016 `unknown-subset`: a route or mirror sends traffic to a `subset` that no
//! DestinationRule for the destination host defines.
//!
//! A subset is a name a DestinationRule gives to a group of the host's endpoints. Istio
//! turns the route into a reference to the Envoy cluster `outbound|<port>|<subset>|<host>`,
//! and builds that cluster only from the subsets of the host's DestinationRule. With no such
//! subset the route points at a cluster that does not exist: every request fails with `503`
//! (`NC`, cluster not found), and mirrored traffic is silently dropped. In the egress recipes
//! this is the sidecar hop to the egress gateway: `subset: cnn` of
//! `istio-egressgateway.istio-system.svc.cluster.local` needs a DestinationRule for the
//! gateway's Service that lists `cnn`.
//!
//! Istio's analyzer reports the same as IST0101 (ReferencedResourceNotFound, "host+subset in
//! destinationrule", from `virtualservice.DestinationRuleAnalyzer`): hosts are compared after
//! short names are resolved in the namespace of each resource, and any DestinationRule in
//! the input counts, wherever it lives. A DestinationRule for a wildcard host that covers
//! the destination counts too, as it does at run time. Whether the proxy that runs the route
//! can *see* the rule (`exportTo`, namespaces) is left to M021 and M022.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::host_map::HostMap;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{Destination, Spec, VirtualService};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    // DestinationRules by the subsets they define, then by host: the egress recipes give the
    // gateway's Service a rule per external host, and each route needs only one of them.
    let defined = DefinedSubsets::new(index);
    for (i, vs) in index.virtual_services() {
        for (destination, place) in destinations(vs) {
            let Some(subset) = destination.subset.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            if destination.host.is_empty() {
                continue;
            }
            let host = hosts::resolve(&destination.host, index.namespace(i));
            if defined.covers(subset, &host) {
                continue;
            }
            let rules: Vec<(usize, Vec<&str>)> = index
                .destination_rules_covering(&host)
                .into_iter()
                .filter_map(|r| match &index.manifests[r].spec {
                    Spec::DestinationRule(rule) if !rule.host.is_empty() => {
                        Some((r, rule.subsets.iter().map(|s| s.name.as_str()).collect()))
                    }
                    _ => None,
                })
                .collect();
            let (what, effect) = match place {
                Place::Mirror => ("mirrors traffic", "the mirrored copies are dropped"),
                Place::Route(_) => ("routes", "requests fail with 503 (NC: cluster not found)"),
            };
            let where_ = match place {
                Place::Mirror => String::new(),
                Place::Route(kind) => format!(" ({kind} route)"),
            };
            let defined = if rules.is_empty() {
                format!("no DestinationRule in the input is for {host}")
            } else {
                let described: Vec<String> = rules
                    .iter()
                    .map(|(r, names)| {
                        if names.is_empty() {
                            format!("DestinationRule {} defines no subsets", index.name(*r))
                        } else {
                            format!(
                                "DestinationRule {} defines {}",
                                index.name(*r),
                                names.join(", ")
                            )
                        }
                    })
                    .collect();
                described.join("; ")
            };
            let mut finding = Finding::new(
                codes::UNKNOWN_SUBSET,
                i,
                format!(
                    "VirtualService {what} to subset `{subset}` of {host}{where_}, but \
                     {defined}: Envoy has no cluster for that subset, so {effect}"
                ),
            )
            .help(if rules.is_empty() {
                format!(
                    "add a DestinationRule for {host} with a subset named `{subset}`, or \
                     remove `subset` from the destination"
                )
            } else {
                format!(
                    "add a subset named `{subset}` to the DestinationRule for {host}, or \
                     use one of the subsets it defines"
                )
            });
            for (r, _) in &rules {
                finding = finding.related(*r);
            }
            findings.push(finding);
        }
    }
}

/// The subsets the DestinationRules of the input define, by subset name and the host
/// (resolved) of the rule. Exact hosts are pairs in one set: the egress recipes give every
/// host a subset of its own on the gateway's Service, and a host map per subset name was
/// most of this rule's memory (55 MB at 100,000 hosts). Wildcard hosts, few, keep a map
/// per subset name that finds the ones covering a host.
struct DefinedSubsets<'a> {
    exact: HashSet<(&'a str, Cow<'a, str>)>,
    wildcards: HashMap<&'a str, HostMap<'a, ()>>,
}

impl<'a> DefinedSubsets<'a> {
    fn new(index: &Index<'a>) -> DefinedSubsets<'a> {
        let mut defined = DefinedSubsets {
            exact: HashSet::new(),
            wildcards: HashMap::new(),
        };
        for (r, rule) in index.destination_rules() {
            if rule.host.is_empty() {
                continue;
            }
            let host = hosts::resolve_borrowed(&rule.host, index.namespace(r));
            for subset in &rule.subsets {
                let name = subset.name.as_str();
                if hosts::is_wildcard(&host) {
                    defined
                        .wildcards
                        .entry(name)
                        .or_default()
                        .insert(host.clone(), ());
                } else {
                    defined.exact.insert((name, host.clone()));
                }
            }
        }
        defined
    }

    /// Does a DestinationRule for `host`, or for a wildcard covering it, define `subset`?
    fn covers(&self, subset: &str, host: &str) -> bool {
        // A plain rule host covers only itself; only a wildcard host covers a wildcard.
        (!hosts::is_wildcard(host) && self.exact.contains(&(subset, Cow::Borrowed(host))))
            || self
                .wildcards
                .get(subset)
                .is_some_and(|rules| rules.covers(host))
    }
}

#[derive(Clone, Copy)]
enum Place {
    Route(&'static str),
    Mirror,
}

/// Every destination of a VirtualService with where it is: route destinations of all three
/// route kinds, `mirror` and `mirrors`.
fn destinations(vs: &VirtualService) -> Vec<(&Destination, Place)> {
    let mut out = Vec::new();
    for route in &vs.http {
        out.extend(
            route
                .route
                .iter()
                .filter_map(|r| r.destination.as_ref())
                .map(|d| (d, Place::Route("http"))),
        );
        out.extend(route.mirror.iter().map(|d| (d, Place::Mirror)));
        out.extend(
            route
                .mirrors
                .iter()
                .filter_map(|m| m.destination.as_ref())
                .map(|d| (d, Place::Mirror)),
        );
    }
    for route in &vs.tls {
        out.extend(
            route
                .route
                .iter()
                .filter_map(|r| r.destination.as_ref())
                .map(|d| (d, Place::Route("tls"))),
        );
    }
    for route in &vs.tcp {
        out.extend(
            route
                .route
                .iter()
                .filter_map(|r| r.destination.as_ref())
                .map(|d| (d, Place::Route("tcp"))),
        );
    }
    out
}
