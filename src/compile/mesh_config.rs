//! Mesh-wide settings in the form the platform installs Istio with: an `IstioOperator` overlay
//! (the outbound traffic policy and the egress gateway, enabled, labelled as the Gateways
//! select it, exposing the policy's ports), the `istio` ConfigMap, or istiod chart values.
//! The last two carry only MeshConfig: with Helm, the egress gateway is its own `gateway`
//! chart release, which egressc does not write.

use std::collections::BTreeMap;

use crate::istio::{
    Components, ConfigMap, GatewayComponent, GatewayServicePort, INSTALL_V1ALPHA1,
    IstioOperatorSpec, IstiodValues, KubernetesSettings, MeshConfig, Object, OutboundTrafficPolicy,
    Resource, ServiceSettings, TypeMeta,
};
use crate::policy::{self, EgressGateway, Mesh};

use super::metadata::object_meta;

/// The namespace istiod and its `istio` ConfigMap are installed in by every Istio installer.
pub const ISTIOD_NAMESPACE: &str = "istio-system";

fn mesh_config(mesh: &Mesh) -> MeshConfig {
    // REGISTRY_ONLY for listed namespaces only is a roll-out: the mesh stays ALLOW_ANY and
    // Sidecars limit those namespaces (see `sidecar`).
    let mode = match mesh.outbound_traffic_policy {
        policy::OutboundTrafficPolicy::RegistryOnly if mesh.registry_only_namespaces.is_empty() => {
            "REGISTRY_ONLY"
        }
        policy::OutboundTrafficPolicy::RegistryOnly | policy::OutboundTrafficPolicy::AllowAny => {
            "ALLOW_ANY"
        }
    };
    MeshConfig {
        outbound_traffic_policy: OutboundTrafficPolicy {
            mode: mode.to_owned(),
        },
    }
}

/// The `istio` ConfigMap. Its `mesh` key is MeshConfig as YAML text, by Istio's design, so
/// this one resource holds text that compile writes (with the one YAML writer).
pub fn config_map(mesh: &Mesh) -> Resource {
    let value = serde_json::to_value(mesh_config(mesh)).expect("MeshConfig serializes");
    let mut text = String::new();
    crate::render::yaml::write_document(&mut text, &value);
    Resource::MeshConfigMap(ConfigMap {
        type_meta: TypeMeta {
            api_version: "v1".to_owned(),
            kind: "ConfigMap".to_owned(),
        },
        metadata: object_meta("istio".to_owned(), ISTIOD_NAMESPACE, &mesh.metadata),
        data: BTreeMap::from([("mesh".to_owned(), text)]),
    })
}

/// Values for the istiod chart: `meshConfig:` only.
pub fn istiod_values(mesh: &Mesh) -> Resource {
    Resource::IstiodValues(IstiodValues {
        mesh_config: mesh_config(mesh),
    })
}

pub fn istio_operator(mesh: &Mesh) -> Resource {
    let gateway = &mesh.egress_gateway;
    let spec = IstioOperatorSpec {
        mesh_config: mesh_config(mesh),
        components: Components {
            egress_gateways: vec![GatewayComponent {
                name: gateway.name.clone(),
                namespace: gateway.namespace.clone(),
                enabled: true,
                label: gateway.selector.clone(),
                k8s: service_ports(gateway),
            }],
        },
    };
    let metadata = object_meta("egressc".to_owned(), &gateway.namespace, &mesh.metadata);
    Resource::IstioOperator(Object::new(
        INSTALL_V1ALPHA1,
        "IstioOperator",
        metadata,
        spec,
    ))
}

/// The gateway Service's ports, written only when they differ from Istio's defaults (80 and
/// 443), so a default policy leaves the chart's own port list alone.
fn service_ports(gateway: &EgressGateway) -> Option<KubernetesSettings> {
    if gateway.ports == EgressGateway::default().ports {
        return None;
    }
    // Istio's own ports first, so they keep the target ports Istio gives them.
    let mut ordered = gateway.ports.clone();
    ordered.sort_by_key(|&port| (port != 80 && port != 443, port));
    let mut taken: Vec<u16> = Vec::new();
    let mut ports: Vec<GatewayServicePort> = ordered
        .into_iter()
        .map(|port| {
            let (name, wanted) = match port {
                80 => ("http2".to_owned(), 8080),
                443 => ("https".to_owned(), 8443),
                // The gateway runs unprivileged: ports below 1024 listen 8000 higher, as Istio's
                // own 80 -> 8080 and 443 -> 8443 do.
                port if port < 1024 => (format!("tcp-{port}"), port + 8000),
                port => (format!("tcp-{port}"), port),
            };
            // Two Service ports on one container port would share a listener: move up.
            let mut target_port = wanted;
            while taken.contains(&target_port) {
                target_port = target_port.wrapping_add(1).max(1024);
            }
            taken.push(target_port);
            GatewayServicePort {
                name,
                port,
                target_port,
            }
        })
        .collect();
    ports.sort_by_key(|p| p.port);
    Some(KubernetesSettings {
        service: ServiceSettings { ports },
    })
}
