//! M026 `allow-any-outbound`: the mesh config leaves `outboundTrafficPolicy` at `ALLOW_ANY`
//! (explicitly, or by not setting it) while the input shows that egress is meant to be
//! controlled: an egress Gateway that VirtualServices route egress through (to external
//! hosts, or as the second hop of a `mesh` detour), or ServiceEntries with `location:
//! MESH_EXTERNAL`. Also a Sidecar that sets `ALLOW_ANY` for
//! its workloads in such an input.
//!
//! With ALLOW_ANY a sidecar sends traffic for any host it does not know to
//! PassthroughCluster, straight to the destination. The ServiceEntries and the egress gateway
//! then describe *a* way out, not the only one: an app can reach any other host directly, and
//! a host reached under another name or port skips the gateway. Istio's egress recipes switch
//! to REGISTRY_ONLY wherever they mean to control egress. A warning: ALLOW_ANY can be a
//! deliberate stage of a migration.
//!
//! The finding points at the mesh config (an IstioOperator's `meshConfig`, the `istio`
//! ConfigMap's `mesh` key). When the mode came from `--mesh-config` there is no manifest for
//! it, so the finding points at the first egress Gateway (or, without one, the first
//! MESH_EXTERNAL ServiceEntry) and says where the mode came from. Without any mesh config in
//! the input nothing is reported for the mesh: the cluster's mode is unknown. A Sidecar that
//! sets ALLOW_ANY is reported whatever the mesh config.

use super::index::MESH_GATEWAY;
use super::routes::routes;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{Sidecar, Spec};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    // Only ALLOW_ANY is reported: without it, the evidence below (which reads every
    // VirtualService) would be looked for in vain.
    let mesh_allow_any = index
        .mesh
        .outbound_mode
        .as_ref()
        .is_some_and(|(mode, _)| mode.eq_ignore_ascii_case("ALLOW_ANY"));
    if !mesh_allow_any
        && !index
            .sidecars()
            .any(|(_, sidecar)| sidecar_allows_any(sidecar))
    {
        return;
    }
    let gateways = egress_gateways(index);
    let external: Vec<usize> = index
        .service_entries()
        .filter(|(_, entry)| {
            entry
                .location
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case("MESH_EXTERNAL"))
        })
        .map(|(i, _)| i)
        .collect();
    let evidence = gateways.first().or(external.first()).copied();
    let Some(evidence) = evidence else {
        return;
    };
    let why = if let Some(&gateway) = gateways.first() {
        format!(
            "Gateway {}/{} routes external hosts through the egress gateway",
            index.namespace(gateway),
            index.name(gateway)
        )
    } else {
        format!(
            "ServiceEntry {}/{} declares an external host (MESH_EXTERNAL)",
            index.namespace(evidence),
            index.name(evidence)
        )
    };
    if let Some((mode, source)) = &index.mesh.outbound_mode
        && mode.eq_ignore_ascii_case("ALLOW_ANY")
    {
        let (resource, origin) = match source {
            Some(manifest) => (*manifest, "the mesh config"),
            None => (evidence, "the mesh config given with --mesh-config"),
        };
        let explicit = source.is_some_and(|i| match &index.manifests[i].spec {
            Spec::MeshConfig(_, Some(config)) => config
                .outbound_traffic_policy
                .as_ref()
                .is_some_and(|p| p.mode.is_some()),
            _ => false,
        });
        let how = if explicit {
            "sets outboundTrafficPolicy to ALLOW_ANY"
        } else if source.is_some() {
            "does not set outboundTrafficPolicy, so it is ALLOW_ANY (Istio's default)"
        } else {
            "leaves outboundTrafficPolicy at ALLOW_ANY"
        };
        let mut finding = Finding::new(
            codes::ALLOW_ANY_OUTBOUND,
            resource,
            format!(
                "{origin} {how}, while {why}: sidecars send traffic for any host no \
                 ServiceEntry declares straight out through PassthroughCluster, so the egress \
                 configuration here is a way out, not the only one"
            ),
        )
        .help(
            "set `meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY`, so only declared \
             hosts leave the mesh",
        );
        if resource != evidence {
            finding = finding.related(evidence);
        }
        findings.push(finding);
    }
    for (i, sidecar) in index.sidecars() {
        if !sidecar_allows_any(sidecar) {
            continue;
        }
        let namespace = index.namespace(i);
        let whose = if sidecar.workload_selector.is_some() {
            format!("the workloads it selects in namespace {namespace}")
        } else {
            format!("every workload in namespace {namespace}")
        };
        findings.push(
            Finding::new(
                codes::ALLOW_ANY_OUTBOUND,
                i,
                format!(
                    "Sidecar sets outboundTrafficPolicy ALLOW_ANY for {whose}, while {why}: \
                     those sidecars send traffic for any undeclared host straight out through \
                     PassthroughCluster, whatever the mesh config says"
                ),
            )
            .related(evidence)
            .help("remove `outboundTrafficPolicy` from the Sidecar, or set it to REGISTRY_ONLY"),
        );
    }
}

/// Does the Sidecar set `outboundTrafficPolicy` ALLOW_ANY for its workloads?
fn sidecar_allows_any(sidecar: &Sidecar) -> bool {
    sidecar
        .outbound_traffic_policy
        .as_ref()
        .and_then(|p| p.mode.as_deref())
        .is_some_and(|m| m.eq_ignore_ascii_case("ALLOW_ANY"))
}

/// Gateways that some VirtualService routes egress through: a route bound to the Gateway
/// sends to a host that is not a cluster Service, or the VirtualService binds both the mesh
/// and the Gateway and its `mesh` routes detour its hosts to another host (the two hops of
/// Istio's egress recipes; an ingress VirtualService bound to the mesh too sends the mesh
/// to the same services). In input order.
fn egress_gateways(index: &Index) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for (vs_index, vs) in index.virtual_services() {
        let namespace = index.namespace(vs_index);
        let bound = index.bound_gateways(vs_index, vs);
        let two_hops = bound.iter().any(|g| g == MESH_GATEWAY)
            && super::hops::mesh_detour(index, vs_index, vs).is_some();
        for reference in bound {
            if reference == MESH_GATEWAY {
                continue;
            }
            let Some((gateway_index, _)) = index.gateway(&reference) else {
                continue;
            };
            let external = two_hops
                || routes(vs).iter().any(|route| {
                    index.route_applies(vs_index, vs, route.matches, &reference)
                        && route.destinations.iter().any(|d| {
                            let host = hosts::resolve(&d.host, namespace);
                            !host.is_empty() && hosts::cluster_service(&host).is_none()
                        })
                });
            if external && !out.contains(&gateway_index) {
                out.push(gateway_index);
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Manifest, MeshConfig, OutboundTrafficPolicy};
    use crate::rules::tests::manifests;

    const GATEWAY_ROUTES: &str = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [edition.cnn.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cnn, namespace: default}
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, istio-system/istio-egressgateway]
  http:
  - match: [{gateways: [mesh], port: 80}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local}}]
  - match: [{gateways: [istio-system/istio-egressgateway], port: 80}]
    route: [{destination: {host: edition.cnn.com}}]
";

    fn findings(manifests: &[Manifest], mesh: Option<&MeshConfig>) -> Vec<Finding> {
        let index = Index::new(manifests, "default", mesh);
        let mut findings = Vec::new();
        check(&index, &mut findings);
        findings
    }

    fn mesh(mode: &str) -> MeshConfig {
        MeshConfig {
            outbound_traffic_policy: Some(OutboundTrafficPolicy {
                mode: Some(mode.into()),
            }),
            ..MeshConfig::default()
        }
    }

    #[test]
    fn without_mesh_config_the_mesh_is_not_judged() {
        assert!(findings(&manifests(GATEWAY_ROUTES), None).is_empty());
    }

    #[test]
    fn a_mesh_config_file_is_reported_on_the_egress_gateway() {
        let manifests = manifests(GATEWAY_ROUTES);
        let found = findings(&manifests, Some(&mesh("ALLOW_ANY")));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].resource, 0, "the Gateway");
        assert!(
            found[0].message.contains("--mesh-config"),
            "{}",
            found[0].message
        );
        assert!(findings(&manifests, Some(&mesh("REGISTRY_ONLY"))).is_empty());
    }

    #[test]
    fn external_entries_alone_show_intent() {
        let yaml = r"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin.org]
  location: MESH_EXTERNAL
  ports: [{number: 80, name: http, protocol: HTTP}]
";
        let manifests = manifests(yaml);
        let found = findings(&manifests, Some(&mesh("ALLOW_ANY")));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("MESH_EXTERNAL"));
        let internal = manifests_without_location();
        assert!(findings(&internal, Some(&mesh("ALLOW_ANY"))).is_empty());
    }

    #[test]
    fn an_ingress_route_also_bound_to_the_mesh_is_not_egress() {
        let yaml = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [reviews]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  gateways: [bookinfo-gateway, mesh]
  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
";
        assert!(findings(&manifests(yaml), Some(&mesh("ALLOW_ANY"))).is_empty());
    }

    fn manifests_without_location() -> Vec<Manifest> {
        manifests(
            r"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: internal}
spec:
  hosts: [db.internal.example]
  location: MESH_INTERNAL
  ports: [{number: 5432, name: tcp, protocol: TCP}]
",
        )
    }
}
