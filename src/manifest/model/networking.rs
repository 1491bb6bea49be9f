//! networking.istio.io: ServiceEntry, Gateway, VirtualService, DestinationRule, Sidecar.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Labels, List, Text};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntry {
    #[serde(default)]
    pub hosts: List<Text>,
    #[serde(default)]
    pub addresses: List<Text>,
    #[serde(default)]
    pub ports: List<ServiceEntryPort>,
    #[serde(default)]
    pub location: Option<Text>,
    #[serde(default)]
    pub resolution: Option<Text>,
    #[serde(default)]
    pub endpoints: List<WorkloadEntry>,
    #[serde(default, alias = "export_to")]
    pub export_to: List<Text>,
    #[serde(default, alias = "workload_selector")]
    pub workload_selector: Option<WorkloadSelector>,
    /// The identities the entry's servers present; Istio verifies them when a
    /// DestinationRule that originates TLS names none.
    #[serde(default, alias = "subject_alt_names")]
    pub subject_alt_names: List<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntryPort {
    #[serde(default)]
    pub number: u32,
    #[serde(default)]
    pub protocol: Option<Text>,
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default, alias = "target_port")]
    pub target_port: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WorkloadEntry {
    #[serde(default)]
    pub address: Option<Text>,
    #[serde(default)]
    pub ports: BTreeMap<Text, u32>,
}

/// A workload selector: `matchLabels` in security resources (AuthorizationPolicy), `labels`
/// in networking ones (Sidecar, DestinationRule, ServiceEntry).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    #[serde(default, alias = "match_labels")]
    pub match_labels: Labels,
    #[serde(default)]
    pub labels: Labels,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Gateway {
    #[serde(default)]
    pub selector: Labels,
    #[serde(default)]
    pub servers: List<Server>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Server {
    #[serde(default)]
    pub port: Option<ServerPort>,
    #[serde(default)]
    pub hosts: List<Text>,
    #[serde(default)]
    pub tls: Option<ServerTls>,
    #[serde(default)]
    pub bind: Option<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPort {
    #[serde(default)]
    pub number: u32,
    #[serde(default)]
    pub protocol: Option<Text>,
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default, alias = "target_port")]
    pub target_port: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    #[serde(default)]
    pub mode: Option<Text>,
    #[serde(default, alias = "credential_name")]
    pub credential_name: Option<Text>,
    #[serde(default, alias = "https_redirect")]
    pub https_redirect: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualService {
    #[serde(default)]
    pub hosts: List<Text>,
    #[serde(default)]
    pub gateways: List<Text>,
    #[serde(default)]
    pub http: List<HttpRoute>,
    #[serde(default)]
    pub tls: List<TlsRoute>,
    #[serde(default)]
    pub tcp: List<TcpRoute>,
    #[serde(default, alias = "export_to")]
    pub export_to: List<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct HttpRoute {
    #[serde(default, rename = "match")]
    pub matches: List<RouteMatch>,
    #[serde(default)]
    pub route: List<RouteDestination>,
    #[serde(default)]
    pub mirror: Option<Destination>,
    /// Mirrors beside (or instead of) `mirror`.
    #[serde(default)]
    pub mirrors: List<HttpMirrorPolicy>,
    #[serde(default)]
    pub redirect: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "directResponse", alias = "direct_response")]
    pub direct_response: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct HttpMirrorPolicy {
    #[serde(default)]
    pub destination: Option<Destination>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TlsRoute {
    #[serde(default, rename = "match")]
    pub matches: List<RouteMatch>,
    #[serde(default)]
    pub route: List<RouteDestination>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TcpRoute {
    #[serde(default, rename = "match")]
    pub matches: List<RouteMatch>,
    #[serde(default)]
    pub route: List<RouteDestination>,
}

/// The match fields of the three route kinds in one type; a kind's absent fields stay empty.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteMatch {
    #[serde(default)]
    pub gateways: List<Text>,
    #[serde(default)]
    pub port: Option<u32>,
    #[serde(default, alias = "sni_hosts")]
    pub sni_hosts: List<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RouteDestination {
    #[serde(default)]
    pub destination: Option<Destination>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Destination {
    #[serde(default)]
    pub host: Text,
    #[serde(default)]
    pub subset: Option<Text>,
    #[serde(default)]
    pub port: Option<PortSelector>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct PortSelector {
    #[serde(default)]
    pub number: u32,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRule {
    #[serde(default)]
    pub host: Text,
    #[serde(default, alias = "traffic_policy")]
    pub traffic_policy: Option<TrafficPolicy>,
    #[serde(default)]
    pub subsets: List<Subset>,
    #[serde(default, alias = "export_to")]
    pub export_to: List<Text>,
    #[serde(default, alias = "workload_selector")]
    pub workload_selector: Option<WorkloadSelector>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    #[serde(default)]
    pub tls: Option<ClientTls>,
    #[serde(default, alias = "port_level_settings")]
    pub port_level_settings: List<PortTrafficPolicy>,
}

impl TrafficPolicy {
    /// The TLS settings that apply to `port`: the port's own, else the policy-wide ones.
    pub fn tls_for_port(&self, port: u32) -> Option<&ClientTls> {
        self.port_level_settings
            .iter()
            .find(|p| p.port.is_some_and(|s| s.number == port))
            .and_then(|p| p.tls.as_ref())
            .or(self.tls.as_ref())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PortTrafficPolicy {
    #[serde(default)]
    pub port: Option<PortSelector>,
    #[serde(default)]
    pub tls: Option<ClientTls>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTls {
    #[serde(default)]
    pub mode: Option<Text>,
    #[serde(default, alias = "ca_certificates")]
    pub ca_certificates: Option<Text>,
    #[serde(default, alias = "credential_name")]
    pub credential_name: Option<Text>,
    #[serde(default, alias = "subject_alt_names")]
    pub subject_alt_names: List<Text>,
    #[serde(default)]
    pub sni: Option<Text>,
    #[serde(default, alias = "insecure_skip_verify")]
    pub insecure_skip_verify: Option<bool>,
}

impl ClientTls {
    pub fn mode(&self) -> &str {
        self.mode.as_deref().unwrap_or("DISABLE")
    }

    /// SIMPLE or MUTUAL: the proxy opens TLS toward the destination itself.
    pub fn originates_tls(&self) -> bool {
        matches!(self.mode(), "SIMPLE" | "MUTUAL")
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default, alias = "traffic_policy")]
    pub traffic_policy: Option<TrafficPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    #[serde(default, alias = "workload_selector")]
    pub workload_selector: Option<WorkloadSelector>,
    #[serde(default)]
    pub egress: List<SidecarEgress>,
    #[serde(default, alias = "outbound_traffic_policy")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SidecarEgress {
    #[serde(default)]
    pub hosts: List<Text>,
    #[serde(default)]
    pub port: Option<ServerPort>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct OutboundTrafficPolicy {
    #[serde(default)]
    pub mode: Option<Text>,
}
