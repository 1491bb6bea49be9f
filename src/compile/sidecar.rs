//! `Sidecar` resources for `outbound-traffic-policy "registry-only" { namespaces ... }`:
//! REGISTRY_ONLY for the listed namespaces only, while the mesh stays ALLOW_ANY, so a
//! platform team can roll REGISTRY_ONLY out one namespace at a time.
//!
//! A namespace-wide Sidecar (no `workloadSelector`) also limits which services its proxies
//! know: `egress.hosts` replaces "everything exported to me". So the list keeps what the
//! namespace still needs: its own namespace (`./*`), Istio's (`istio-system/*`, where the
//! control plane's services live), the egress gateway's namespace (the first hop goes to its
//! Service), every in-cluster Service (`*/*.svc.cluster.local`, so calls inside the cluster
//! keep working) and, from the config namespace, each policy host the namespace may use.
//! Other external hosts stay unknown and REGISTRY_ONLY blocks them.

use std::collections::BTreeSet;

use super::HostContext;
use super::metadata::object_meta;
use super::names::resource_name;
use crate::istio::{
    EgressListener, NETWORKING_V1, Object, OutboundTrafficPolicy, Resource, SidecarSpec,
};
use crate::policy::Mesh;

/// One Sidecar per namespace listed under `outbound-traffic-policy`.
pub fn registry_only_sidecars(mesh: &Mesh, hosts: &[HostContext]) -> Vec<Resource> {
    mesh.registry_only_namespaces
        .iter()
        .map(|namespace| sidecar(mesh, hosts, &namespace.value))
        .collect()
}

fn sidecar(mesh: &Mesh, hosts: &[HostContext], namespace: &str) -> Resource {
    let gateway_namespace = &mesh.egress_gateway.namespace;
    let mut whole: Vec<String> = vec!["istio-system".to_owned()];
    if !whole.contains(gateway_namespace) {
        whole.push(gateway_namespace.clone());
    }
    let mut egress_hosts = vec!["./*".to_owned()];
    egress_hosts.extend(whole.iter().map(|ns| format!("{ns}/*")));
    egress_hosts.push("*/*.svc.cluster.local".to_owned());
    // Hosts in a namespace already listed whole need no line of their own.
    if mesh.config_namespace != namespace && !whole.contains(&mesh.config_namespace) {
        let visible: BTreeSet<&str> = hosts
            .iter()
            .filter(|c| {
                c.host.namespaces.is_empty()
                    || c.host.namespaces.iter().any(|n| n.value == namespace)
            })
            .flat_map(|c| [c.host.name.value.as_str(), c.upstream()])
            .collect();
        egress_hosts.extend(
            visible
                .into_iter()
                .map(|host| format!("{}/{host}", mesh.config_namespace)),
        );
    }
    let spec = SidecarSpec {
        egress: vec![EgressListener {
            hosts: egress_hosts,
        }],
        outbound_traffic_policy: OutboundTrafficPolicy {
            mode: "REGISTRY_ONLY".to_owned(),
        },
    };
    let name = resource_name("egressc-", namespace, namespace);
    let metadata = object_meta(name, namespace, &mesh.metadata);
    Resource::Sidecar(Object::new(NETWORKING_V1, "Sidecar", metadata, spec))
}
