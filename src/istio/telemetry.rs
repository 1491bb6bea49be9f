//! `Telemetry` (telemetry.istio.io): the access log of the egress gateway.

use serde::{Deserialize, Serialize};

use super::WorkloadSelector;

pub const TELEMETRY_V1: &str = "telemetry.istio.io/v1";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TelemetrySpec {
    pub selector: WorkloadSelector,
    pub access_logging: Vec<AccessLogging>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogging {
    pub providers: Vec<ProviderRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRef {
    pub name: String,
}
