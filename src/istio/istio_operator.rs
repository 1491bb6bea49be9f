//! `IstioOperator` (install.istio.io/v1alpha1): the mesh-wide settings as an overlay for
//! `istioctl install -f`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const INSTALL_V1ALPHA1: &str = "install.istio.io/v1alpha1";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioOperatorSpec {
    pub mesh_config: MeshConfig,
    pub components: Components,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshConfig {
    pub outbound_traffic_policy: OutboundTrafficPolicy,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundTrafficPolicy {
    pub mode: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    pub egress_gateways: Vec<GatewayComponent>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayComponent {
    pub name: String,
    pub namespace: String,
    pub enabled: bool,
    pub label: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s: Option<KubernetesSettings>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubernetesSettings {
    pub service: ServiceSettings,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSettings {
    pub ports: Vec<GatewayServicePort>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayServicePort {
    pub name: String,
    pub port: u16,
    pub target_port: u16,
}
