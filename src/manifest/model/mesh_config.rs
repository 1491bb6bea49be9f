//! Mesh config: the IstioOperator overlay or the `istio` ConfigMap's `mesh` key.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Labels, List, OutboundTrafficPolicy, Text};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioOperator {
    #[serde(default)]
    pub mesh_config: Option<MeshConfig>,
}

/// The MeshConfig fields that change how the rules judge resources.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshConfig {
    #[serde(default, alias = "outbound_traffic_policy")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
    #[serde(default, alias = "root_namespace")]
    pub root_namespace: Option<Text>,
    #[serde(default, alias = "default_config")]
    pub default_config: Option<ProxyConfig>,
    #[serde(default, alias = "default_service_export_to")]
    pub default_service_export_to: List<Text>,
    #[serde(default, alias = "default_virtual_service_export_to")]
    pub default_virtual_service_export_to: List<Text>,
    #[serde(default, alias = "default_destination_rule_export_to")]
    pub default_destination_rule_export_to: List<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyConfig {
    #[serde(default, alias = "proxy_metadata")]
    pub proxy_metadata: Labels,
}

/// A ConfigMap; only `data` is read (the `istio` ConfigMap keeps MeshConfig under `mesh`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConfigMapData {
    #[serde(default)]
    pub data: BTreeMap<Text, Text>,
}
