//! `Sidecar` (networking.istio.io): REGISTRY_ONLY for one namespace, and what its sidecars see.

use serde::{Deserialize, Serialize};

use super::OutboundTrafficPolicy;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {
    pub egress: Vec<EgressListener>,
    pub outbound_traffic_policy: OutboundTrafficPolicy,
}

/// One egress listener; without a port it covers every outbound port.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressListener {
    pub hosts: Vec<String>,
}
