//! M027 `registry-only-without-network-policy` (info): a namespace under REGISTRY_ONLY that
//! no egress NetworkPolicy guards.
//!
//! REGISTRY_ONLY is enforced by the sidecar. A pod of the namespace without one (not
//! injected, `sidecar.istio.io/inject: "false"`, a Job's helper container started before
//! the proxy) is not limited at all, and reaches any host straight. Istio's egress gateway
//! docs say it: the mesh alone is not a security boundary; a NetworkPolicy, enforced by
//! the CNI below every pod, is what closes the bypass. An info, since a namespace whose pods
//! all carry sidecars may accept the risk.
//!
//! A namespace is under REGISTRY_ONLY when a namespace-wide Sidecar there sets it, or when
//! the mesh config does and the input shows the namespace as a client of an external host
//! (a MESH_EXTERNAL ServiceEntry names it in `exportTo`) and no Sidecar there sets
//! ALLOW_ANY. Istio's own namespace and the egress gateway's are not clients. It is guarded
//! when an egress-limiting NetworkPolicy there selects all its pods (`podSelector: {}`).

use std::collections::BTreeMap;

use super::{Finding, Index};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (namespace, evidence) in registry_only_namespaces(index) {
        if guarded(index, &namespace) {
            continue;
        }
        let why = match index.manifests[evidence].kind() {
            crate::manifest::KnownKind::Sidecar => format!(
                "Sidecar {}/{} sets REGISTRY_ONLY there",
                index.namespace(evidence),
                index.name(evidence)
            ),
            _ => format!(
                "the mesh is REGISTRY_ONLY and ServiceEntry {}/{} is exported to it",
                index.namespace(evidence),
                index.name(evidence)
            ),
        };
        findings.push(
            Finding::new(
                codes::REGISTRY_ONLY_WITHOUT_NETWORK_POLICY,
                evidence,
                format!(
                    "namespace {namespace} is limited to registered hosts ({why}), but no \
                     egress NetworkPolicy selects all its pods: a pod without a sidecar \
                     there reaches any host directly"
                ),
            )
            .help(format!(
                "add a NetworkPolicy in {namespace} with `podSelector: {{}}` and \
                 `policyTypes: [Egress]` that allows only DNS, istiod and the egress gateway \
                 pods (`egressc build` writes one with `mesh {{ network-policy {{ ... }} }}`)"
            )),
        );
    }
}

/// Each namespace under REGISTRY_ONLY, with the resource that shows it.
fn registry_only_namespaces(index: &Index) -> BTreeMap<String, usize> {
    let mut sidecar_modes: BTreeMap<&str, (bool, usize)> = BTreeMap::new();
    for (i, sidecar) in index.sidecars() {
        let mode = sidecar
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode.as_deref());
        if sidecar.workload_selector.is_some() {
            continue;
        }
        if let Some(mode) = mode {
            sidecar_modes.insert(
                index.namespace(i),
                (mode.eq_ignore_ascii_case("REGISTRY_ONLY"), i),
            );
        }
    }
    let mut out: BTreeMap<String, usize> = sidecar_modes
        .iter()
        .filter(|(_, (registry_only, _))| *registry_only)
        .map(|(namespace, (_, i))| ((*namespace).to_owned(), *i))
        .collect();
    let mesh_registry_only = index
        .mesh
        .outbound_mode
        .as_ref()
        .is_some_and(|(mode, _)| mode.eq_ignore_ascii_case("REGISTRY_ONLY"));
    if !mesh_registry_only {
        return out;
    }
    let gateway_namespaces: Vec<String> = index
        .gateways()
        .map(|(_, gateway)| index.gateway_workload_namespace(gateway))
        .collect();
    for (i, entry) in index.service_entries() {
        let external = entry
            .location
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case("MESH_EXTERNAL"));
        if !external {
            continue;
        }
        for namespace in Index::named_in_export_to(&entry.export_to, index.namespace(i)) {
            let excluded = namespace == index.mesh.root_namespace
                || gateway_namespaces.contains(&namespace)
                || sidecar_modes.contains_key(namespace.as_str());
            if !excluded {
                out.entry(namespace).or_insert(i);
            }
        }
    }
    out
}

/// Does an egress-limiting NetworkPolicy select every pod of the namespace?
fn guarded(index: &Index, namespace: &str) -> bool {
    index.network_policies().any(|(i, policy)| {
        index.namespace(i) == namespace
            && policy.limits_egress()
            && policy
                .pod_selector
                .as_ref()
                .is_none_or(|s| s.match_labels.is_empty() && s.match_expressions.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::rules::tests::run_rule(check, yaml)
    }

    const MESH: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n\
        metadata: {name: m, namespace: istio-system}\n\
        spec: {meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}\n";

    fn entry(export_to: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n\
             metadata: {{name: e, namespace: istio-egress}}\n\
             spec: {{hosts: [a.example.com], location: MESH_EXTERNAL, exportTo: [{export_to}]}}\n"
        )
    }

    #[test]
    fn only_client_namespaces_of_a_registry_only_mesh_are_judged() {
        assert_eq!(
            findings(&format!("{MESH}---\n{}", entry("payments"))).len(),
            1
        );
        // Istio's own namespace is no client, and without mesh config the mode is unknown.
        assert!(findings(&format!("{MESH}---\n{}", entry("istio-system"))).is_empty());
        assert!(findings(&entry("payments")).is_empty());
        let allow_any = "apiVersion: networking.istio.io/v1\nkind: Sidecar\n\
            metadata: {name: s, namespace: payments}\n\
            spec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}\n";
        assert!(findings(&format!("{MESH}---\n{}---\n{allow_any}", entry("payments"))).is_empty());
    }

    #[test]
    fn only_a_policy_for_every_pod_guards_the_namespace() {
        let policy = |selector: &str| {
            format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
                 metadata: {{name: p, namespace: payments}}\n\
                 spec: {{podSelector: {selector}, policyTypes: [Egress]}}\n"
            )
        };
        let input =
            |selector: &str| format!("{MESH}---\n{}---\n{}", entry("payments"), policy(selector));
        assert!(findings(&input("{}")).is_empty());
        assert_eq!(findings(&input("{matchLabels: {app: web}}")).len(), 1);
        let ingress_only = input("{}").replace("[Egress]", "[Ingress]");
        assert_eq!(findings(&ingress_only).len(), 1);
    }
}
