//! What the egress NetworkPolicies of a namespace allow, as far as the input tells.
//!
//! Kubernetes adds NetworkPolicies up: a pod selected by at least one policy that limits
//! egress may open a connection when any rule of any such policy allows it. The rules here
//! judge the pods of one policy's `podSelector` by every egress policy of the namespace
//! that selects at least those pods (the same selector, or all pods); pods another policy
//! happens to select as well are not guessed at.
//!
//! What the input cannot tell counts as allowed, so a finding is never a guess: a
//! `matchExpressions` selector, a namespace selected by labels other than
//! `kubernetes.io/metadata.name` (namespaces' labels are rarely among the manifests), a
//! named port. An `ipBlock` matches pods only when it is a catch-all (`0.0.0.0/0`, `::/0`):
//! pod IPs are not known ahead, and NetworkPolicies are meant to select pods by labels.

use super::Index;
use crate::manifest::{
    IntOrString, LabelSelector, Labels, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer,
    NetworkPolicyPort,
};

/// Kubernetes sets this label on every namespace to its name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Pods that connections go to: their namespace and labels, and the ports, if known.
pub struct Pods<'a> {
    pub namespace: &'a str,
    pub labels: &'a Labels,
    /// Container ports that would do; empty when unknown (any port does).
    pub ports: Vec<u32>,
}

/// A group of pods limited in egress: the first policy selecting them, and every egress
/// policy of the namespace that applies to them.
pub struct EgressGroup<'a> {
    pub first: usize,
    pub namespace: String,
    pub policies: Vec<&'a NetworkPolicy>,
}

/// The egress-limited pod groups of every namespace, by their first policy's selector.
pub fn egress_groups<'a>(index: &Index<'a>) -> Vec<EgressGroup<'a>> {
    let limiting: Vec<(usize, &NetworkPolicy)> = index
        .network_policies()
        .filter(|(_, policy)| policy.limits_egress())
        .collect();
    let mut groups: Vec<EgressGroup> = Vec::new();
    let mut seen: Vec<(String, Labels)> = Vec::new();
    for &(i, policy) in &limiting {
        // Pods chosen by expressions cannot be told apart: not judged.
        if policy
            .pod_selector
            .as_ref()
            .is_some_and(|s| !s.match_expressions.is_empty())
        {
            continue;
        }
        let namespace = index.namespace(i).to_owned();
        let selector = labels_of(policy.pod_selector.as_ref());
        if seen.contains(&(namespace.clone(), selector.clone())) {
            continue;
        }
        seen.push((namespace.clone(), selector.clone()));
        let policies = limiting
            .iter()
            .filter(|(j, other)| {
                let theirs = other.pod_selector.as_ref();
                index.namespace(*j) == namespace.as_str()
                    && theirs.is_none_or(|s| s.match_expressions.is_empty())
                    && {
                        let labels = labels_of(theirs);
                        labels.is_empty() || labels == selector
                    }
            })
            .map(|(_, other)| *other)
            .collect();
        groups.push(EgressGroup {
            first: i,
            namespace,
            policies,
        });
    }
    groups
}

fn labels_of(selector: Option<&LabelSelector>) -> Labels {
    selector.map(|s| s.match_labels.clone()).unwrap_or_default()
}

impl EgressGroup<'_> {
    /// Does some rule allow DNS? A rule that lists UDP port 53 is meant for DNS wherever it
    /// points (clusters run DNS under many labels, or as a node-local cache reached by IP);
    /// a rule for every port counts only toward everywhere, an IP block, or the cluster DNS
    /// pods (`k8s-app: kube-dns` in `kube-system`, as kube-dns and CoreDNS are labelled).
    pub fn allows_dns(&self) -> bool {
        let labels: Labels = [("k8s-app", "kube-dns")].into_iter().collect();
        let dns = Pods {
            namespace: "kube-system",
            labels: &labels,
            ports: Vec::new(),
        };
        self.rules().any(|rule| {
            if rule.ports.iter().any(|p| covers(p, "UDP", 53)) {
                return true;
            }
            rule.ports.is_empty()
                && (rule.to.is_empty()
                    || rule
                        .to
                        .iter()
                        .any(|peer| peer.ip_block.is_some() || self.peer_matches(peer, &dns)))
        })
    }

    /// Does some rule allow TCP connections to these pods?
    pub fn allows_pods(&self, pods: &Pods) -> bool {
        self.rules().any(|rule| {
            let to = rule.to.is_empty() || rule.to.iter().any(|peer| self.peer_matches(peer, pods));
            to && (rule.ports.is_empty()
                || pods.ports.is_empty()
                || rule.ports.iter().any(|port| {
                    port.port.as_ref().is_some_and(|p| p.number().is_none())
                        || pods.ports.iter().any(|&number| covers(port, "TCP", number))
                }))
        })
    }

    fn rules(&self) -> impl Iterator<Item = &NetworkPolicyEgressRule> {
        self.policies.iter().flat_map(|p| p.egress.iter())
    }

    fn peer_matches(&self, peer: &NetworkPolicyPeer, pods: &Pods) -> bool {
        if let Some(block) = &peer.ip_block {
            return block.cidr.ends_with("/0");
        }
        let namespace_matches = match &peer.namespace_selector {
            None => pods.namespace == self.namespace,
            Some(selector) => namespace_selected(selector, pods.namespace),
        };
        namespace_matches
            && peer
                .pod_selector
                .as_ref()
                .is_none_or(|selector| selects(selector, pods.labels))
    }
}

/// Could the selector select the namespace? Only its name label is known.
fn namespace_selected(selector: &LabelSelector, namespace: &str) -> bool {
    if !selector.match_expressions.is_empty() {
        return true;
    }
    selector
        .match_labels
        .iter()
        .all(|(key, value)| key != NAMESPACE_NAME_LABEL || value == namespace)
}

/// Could the selector select pods with these labels?
fn selects(selector: &LabelSelector, labels: &Labels) -> bool {
    !selector.match_expressions.is_empty()
        || selector
            .match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
}

/// Does the port entry allow this protocol and port number?
fn covers(port: &NetworkPolicyPort, protocol: &str, number: u32) -> bool {
    let entry_protocol = port.protocol.as_deref().unwrap_or("TCP");
    if !entry_protocol.eq_ignore_ascii_case(protocol) {
        return false;
    }
    match &port.port {
        None => true,
        Some(IntOrString::String(name)) if name.parse::<u32>().is_err() => true,
        Some(p) => p.number().is_some_and(|start| {
            let end = port.end_port.unwrap_or(start);
            (start..=end).contains(&number)
        }),
    }
}
