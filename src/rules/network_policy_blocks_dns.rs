//! M028 `network-policy-blocks-dns`: egress NetworkPolicies that leave some pods no DNS.
//!
//! A pod selected by a NetworkPolicy that limits egress may only open the connections some
//! rule allows. Without a rule for UDP port 53 to the cluster DNS the pod cannot resolve
//! names: with Istio's
//! DNS proxying the sidecar answers for the hosts it knows but forwards everything else
//! upstream, and without it every lookup goes to the cluster DNS. Apps fail with name
//! resolution errors, the sidecar cannot resolve `DNS` ServiceEntries, and nothing in Istio
//! tells why. The pods are judged by every egress policy of the namespace that applies to
//! them ([`super::network_policies`]). A rule that lists UDP 53 counts as DNS wherever it
//! points; a rule for every port counts only toward everywhere, an IP block (a node-local
//! cache) or the cluster DNS pods (`k8s-app: kube-dns` in `kube-system`).

use super::network_policies::egress_groups;
use super::{Finding, Index};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for group in egress_groups(index) {
        if group.allows_dns() {
            continue;
        }
        findings.push(
            Finding::new(
                codes::NETWORK_POLICY_BLOCKS_DNS,
                group.first,
                format!(
                    "NetworkPolicy {}/{} limits egress, and no egress NetworkPolicy of \
                     namespace {} allows its pods UDP port 53 to the cluster DNS: they cannot resolve \
                     names",
                    index.namespace(group.first),
                    index.name(group.first),
                    group.namespace,
                ),
            )
            .help(
                "allow DNS to the cluster DNS pods: `to: [{namespaceSelector: {matchLabels: \
                 {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: \
                 {k8s-app: kube-dns}}}]` with `ports: [{protocol: UDP, port: 53}, {protocol: \
                 TCP, port: 53}]`",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::rules::tests::run_rule(check, yaml)
    }

    const DENY_ALL: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
        metadata: {name: deny, namespace: payments}\n\
        spec: {podSelector: {}, policyTypes: [Egress]}\n";

    #[test]
    fn a_default_deny_without_dns_fires_once_per_pod_group() {
        let yaml = format!(
            "{DENY_ALL}---\n{}",
            DENY_ALL.replace("name: deny", "name: deny2")
        );
        assert_eq!(findings(&yaml).len(), 1);
    }

    #[test]
    fn dns_allowed_by_another_policy_for_all_pods_is_fine() {
        let dns = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
            metadata: {name: dns, namespace: payments}\n\
            spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{protocol: UDP, port: 53}]}]}\n";
        // All ports, but only toward istio-system: no DNS there.
        let istio = dns.replace(
            "egress: [{ports: [{protocol: UDP, port: 53}]}]",
            "egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}}]}]",
        );
        assert_eq!(findings(&format!("{DENY_ALL}---\n{istio}")).len(), 1);
        // UDP 53 listed explicitly is DNS, wherever the cluster runs it.
        let custom = dns.replace(
            "egress: [{ports:",
            "egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dns-system}}}], ports:",
        );
        assert!(findings(&format!("{DENY_ALL}---\n{custom}")).is_empty());
        assert!(findings(&format!("{DENY_ALL}---\n{dns}")).is_empty());
        // In another namespace it does not count.
        let elsewhere = dns.replace("namespace: payments", "namespace: orders");
        assert_eq!(findings(&format!("{DENY_ALL}---\n{elsewhere}")).len(), 1);
    }

    #[test]
    fn tcp_53_alone_is_not_dns_and_ingress_only_policies_are_not_judged() {
        let tcp = DENY_ALL.replace(
            "policyTypes: [Egress]}",
            "policyTypes: [Egress], egress: [{ports: [{port: 53}]}]}",
        );
        assert_eq!(findings(&tcp).len(), 1);
        let ingress = DENY_ALL.replace("[Egress]", "[Ingress]");
        assert!(findings(&ingress).is_empty());
    }
}
