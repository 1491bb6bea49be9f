//! M030 `sidecar-hides-istio-system`: a namespace-wide Sidecar whose `egress` hosts leave
//! out Istio's own namespace, where the input keeps ServiceEntries for that namespace.
//!
//! A Sidecar's `egress.hosts` replace everything exported to its workloads: what is not
//! listed does not exist for them. Istio's namespace (the mesh root namespace, usually
//! `istio-system`) is where platform teams, Istio's recipes and egressc by default keep the
//! ServiceEntries meant for every namespace. A Sidecar without `istio-system/*` withdraws
//! all of them at once: under REGISTRY_ONLY the hosts are blocked, under ALLOW_ANY they leave
//! straight from the sidecar, past the egress gateway. Istio's own Sidecar examples keep
//! `istio-system/*`. [M023](M023-hidden-by-sidecar.md) reports a hidden host the namespace
//! is seen to use; this rule reports the withdrawal itself.
//!
//! Judged: Sidecars without `workloadSelector` that list `egress` hosts. The rule fires when
//! ServiceEntries of the root namespace are visible to the Sidecar's namespace (`exportTo`)
//! and none of the Sidecar's hosts imports them. In the root namespace's own Sidecar (the
//! mesh-wide default) `./*` means each client's namespace, so it does not count.

use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::Sidecar;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let root = index.mesh.root_namespace.as_str();
    for (i, sidecar) in index.sidecars() {
        if sidecar.egress.is_empty() || sidecar.workload_selector.is_some() {
            continue;
        }
        let namespace = index.namespace(i);
        let hidden: Vec<usize> = index
            .service_entries()
            .filter(|&(j, entry)| {
                index.namespace(j) == root
                    && index.entry_visible(j, entry, namespace)
                    && !entry.hosts.iter().any(|host| imports(sidecar, root, host))
            })
            .map(|(j, _)| j)
            .collect();
        let Some(&first) = hidden.first() else {
            continue;
        };
        let mut names: Vec<String> = hidden
            .iter()
            .take(3)
            .map(|&j| index.name(j).to_owned())
            .collect();
        if hidden.len() > 3 {
            names.push(format!("{} more", hidden.len() - 3));
        }
        findings.push(
            Finding::new(
                codes::SIDECAR_HIDES_ISTIO_SYSTEM,
                i,
                format!(
                    "Sidecar {namespace}/{} lists egress hosts without `{root}/*`: the \
                     ServiceEntries that {root} keeps for namespace {namespace} ({}) do not \
                     exist for its workloads: under REGISTRY_ONLY their hosts are blocked, \
                     under ALLOW_ANY they leave past the egress gateway",
                    index.name(i),
                    names.join(", "),
                ),
            )
            .related(first)
            .help(format!("add `{root}/*` to the hosts of an egress listener")),
        );
    }
}

/// Does one of the Sidecar's egress hosts import `host` from the root namespace?
fn imports(sidecar: &Sidecar, root: &str, host: &str) -> bool {
    sidecar
        .egress
        .iter()
        .flat_map(|listener| listener.hosts.iter())
        .filter_map(|entry| entry.split_once('/'))
        .any(|(from, pattern)| {
            // `.` is the Sidecar's namespace, except in the root namespace's mesh-wide default,
            // where it means each client's.
            let from_root = match from {
                "*" => true,
                "." => false,
                other => other == root,
            };
            from_root && (pattern == "*" || hosts::covers(pattern, host))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::rules::tests::run_rule(check, yaml)
    }

    const ENTRY: &str = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n\
        metadata: {name: stripe, namespace: istio-system}\n\
        spec: {hosts: [api.stripe.com], ports: [{number: 443, name: tls, protocol: TLS}], location: MESH_EXTERNAL}\n";

    fn sidecar(hosts: &str) -> String {
        format!(
            "{ENTRY}---\napiVersion: networking.istio.io/v1\nkind: Sidecar\n\
             metadata: {{name: default, namespace: payments}}\n\
             spec: {{egress: [{{hosts: [{hosts}]}}]}}\n"
        )
    }

    #[test]
    fn the_whole_root_namespace_everything_or_the_entry_by_name_keeps_it() {
        assert_eq!(findings(&sidecar("\"./*\"")).len(), 1);
        assert_eq!(
            findings(&sidecar(
                "\"./*\", \"istio-system/istiod.istio-system.svc.cluster.local\""
            ))
            .len(),
            1
        );
        assert!(findings(&sidecar("\"./*\", \"istio-system/*\"")).is_empty());
        assert!(findings(&sidecar("\"*/*\"")).is_empty());
        assert!(findings(&sidecar("\"istio-system/api.stripe.com\"")).is_empty());
    }

    #[test]
    fn entries_not_exported_to_the_namespace_are_not_hidden_by_it() {
        let scoped = sidecar("\"./*\"").replace(
            "location: MESH_EXTERNAL}",
            "location: MESH_EXTERNAL, exportTo: [orders]}",
        );
        assert!(findings(&scoped).is_empty());
        let for_some_pods = sidecar("\"./*\"").replace(
            "spec: {egress",
            "spec: {workloadSelector: {labels: {app: a}}, egress",
        );
        assert!(findings(&for_some_pods).is_empty());
    }
}
