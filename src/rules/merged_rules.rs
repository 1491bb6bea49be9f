//! The DestinationRules one client applies to one host, merged as Istio merges them, and
//! the TLS they give one port of one subset. This answers questions about rules already
//! picked ([`Index::destination_rules_for`]); it never picks them.
//!
//! The egress recipes give the gateway's one Service thousands of rules, a subset each, and
//! every client namespace sees a slightly different set of them. Merging each set into its
//! own table of subsets re-read thousands of subsets per namespace; instead the subsets of
//! a host are tabled once ([`SubsetDefiners`]) and each merged set only says which rules
//! it holds.

use foldhash::{HashMap, HashMapExt};

use super::Index;
use crate::manifest::{ClientTls, Spec, Subset, TrafficPolicy};

/// What a client's DestinationRules say about TLS toward one port of one subset.
#[derive(Clone, Copy, Debug)]
pub enum ClientTlsSetting<'a> {
    /// Set by this DestinationRule.
    Set(usize, &'a ClientTls),
    /// No rule sets TLS for it: the sidecar's default applies (auto mTLS, which sends plain
    /// text to gateway pods: they carry no `security.istio.io/tlsMode` label).
    Unset,
    /// The subset is named but none of the rules defines it (another rule reports that).
    UnknownSubset,
}

/// The subsets that a host's candidate DestinationRules define: by subset name, each rule
/// defining it (in input order) with its first subset of that name. Built once per host
/// from every rule that may apply to it ([`Index::destination_rules_covering`]).
pub struct SubsetDefiners<'a> {
    by_name: HashMap<&'a str, Vec<(usize, &'a Subset)>>,
}

impl<'a> SubsetDefiners<'a> {
    /// The subsets defined by `rules` (positions of DestinationRules, in input order).
    pub fn new(index: &Index<'a>, rules: &[usize]) -> SubsetDefiners<'a> {
        let mut by_name: HashMap<&'a str, Vec<(usize, &'a Subset)>> = HashMap::new();
        for &i in rules {
            let Spec::DestinationRule(rule) = &index.manifests[i].spec else {
                continue;
            };
            for subset in &rule.subsets {
                let definers = by_name.entry(subset.name.as_str()).or_default();
                if definers.last().is_none_or(|&(last, _)| last != i) {
                    definers.push((i, subset));
                }
            }
        }
        SubsetDefiners { by_name }
    }

    /// The rules defining subset `name`, in input order, with their subset.
    pub fn of(&self, name: &str) -> &[(usize, &'a Subset)] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }
}

/// The DestinationRules that apply to one host for one client (as returned by
/// [`Index::destination_rules_for`]), merged as Istio merges rules for one host: the first
/// rule with a top-level `trafficPolicy` gives it, the first rule defining a subset name
/// gives the subset.
pub struct MergedRules<'a> {
    /// The rules, in input order.
    pub rules: Vec<usize>,
    /// The rules sorted, to test membership.
    sorted: Vec<usize>,
    top: Option<(usize, &'a TrafficPolicy)>,
}

impl<'a> MergedRules<'a> {
    pub fn new(index: &Index<'a>, rules: Vec<usize>) -> MergedRules<'a> {
        let top = rules.iter().find_map(|&i| match &index.manifests[i].spec {
            Spec::DestinationRule(rule) => rule.traffic_policy.as_ref().map(|p| (i, p)),
            _ => None,
        });
        let mut sorted = rules.clone();
        sorted.sort_unstable();
        MergedRules { rules, sorted, top }
    }

    /// Does the merge hold DestinationRule `i`?
    pub fn holds(&self, i: usize) -> bool {
        self.sorted.binary_search(&i).is_ok()
    }

    /// The subset `name` as the merge defines it: from the first of its rules (in input
    /// order) that defines it. `definers` must cover every rule of the merge.
    pub fn subset(&self, definers: &SubsetDefiners<'a>, name: &str) -> Option<(usize, &'a Subset)> {
        definers
            .of(name)
            .iter()
            .copied()
            .find(|&(i, _)| self.holds(i))
    }

    /// The TLS settings the rules give traffic to `port` of `subset`. The subset's settings
    /// win over the top level, port-level settings over policy-wide ones
    /// (`MergeTrafficPolicy`). `definers` must cover every rule of the merge.
    pub fn client_tls(
        &self,
        definers: &SubsetDefiners<'a>,
        subset: Option<&str>,
        port: u32,
    ) -> ClientTlsSetting<'a> {
        let subset_policy = match subset.filter(|s| !s.is_empty()) {
            None => None,
            Some(name) => match self.subset(definers, name) {
                None => return ClientTlsSetting::UnknownSubset,
                Some((i, s)) => s.traffic_policy.as_ref().map(|p| (i, p)),
            },
        };
        subset_policy
            .and_then(|(i, p)| p.tls_for_port(port).map(|t| (i, t)))
            .or_else(|| {
                self.top
                    .and_then(|(i, p)| p.tls_for_port(port).map(|t| (i, t)))
            })
            .map_or(ClientTlsSetting::Unset, |(i, t)| {
                ClientTlsSetting::Set(i, t)
            })
    }
}
