//! The DestinationRule lookup, as Istio picks the rules for a client and a host.

use super::Index;
use crate::manifest::Spec;
use crate::rules::host_map::HostMap;

impl Index<'_> {
    /// The DestinationRules that apply to traffic from a proxy in `client_namespace` to
    /// `host`, as Istio picks them (`PushContext.destinationRule`): the most specific match
    /// among the client namespace's own rules; else the rules the host's service namespace
    /// exports to the client; else those the root namespace exports. Rules for one host in
    /// one namespace are merged, so all of them are returned (in input order; for settings
    /// other than subsets the first wins). Rules with a `workloadSelector` are left out:
    /// they apply only to the workloads they select.
    pub fn destination_rules_for(&self, client_namespace: &str, host: &str) -> Vec<usize> {
        // A rule counts for the client when its exportTo reaches the client's namespace;
        // for rules in the client's own namespace that means `.`, `*` or the namespace.
        let in_namespace = |namespace: &str| -> Vec<usize> {
            let Some(rules) = self.hosts.namespace_rules.get(namespace) else {
                return Vec::new();
            };
            most_specific(rules, host, |i| match &self.manifests[i].spec {
                Spec::DestinationRule(rule) => {
                    self.destination_rule_visible(i, rule, client_namespace)
                }
                _ => false,
            })
        };
        let local = in_namespace(client_namespace);
        if !local.is_empty() {
            return local;
        }
        if let Some(service_namespace) = self.service_namespace(host) {
            let exported = in_namespace(service_namespace);
            if !exported.is_empty() {
                return exported;
            }
        }
        in_namespace(&self.mesh.root_namespace)
    }
}

/// The rules (of those `counts` keeps) whose host is the most specific match for `host`, in
/// input order: those for exactly `host`, else those of the longest wildcard that covers it
/// (of two such wildcards of one length, the one with the earlier rule).
fn most_specific(
    rules: &HostMap<'_, usize>,
    host: &str,
    counts: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let exact: Vec<usize> = rules
        .exact(host)
        .iter()
        .copied()
        .filter(|&i| counts(i))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let mut best: Option<(usize, Vec<usize>)> = None;
    for (length, candidates) in rules.wildcards_covering(host) {
        let found: Vec<usize> = candidates.iter().copied().filter(|&i| counts(i)).collect();
        let Some(&first) = found.first() else {
            continue;
        };
        let better = best.as_ref().is_none_or(|(best_length, best_found)| {
            length > *best_length || (length == *best_length && first < best_found[0])
        });
        if better {
            best = Some((length, found));
        }
    }
    best.map(|(_, found)| found).unwrap_or_default()
}
