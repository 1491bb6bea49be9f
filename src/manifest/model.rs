//! The fields of Istio and Kubernetes resources that the rules read, modelled leniently.
//!
//! These types are for *reading* manifests anyone wrote, so every field is optional and
//! unknown fields are ignored. Istio reads its resources through protobuf JSON, which accepts
//! the original snake_case field names beside the camelCase ones (`export_to`,
//! `port_level_settings`); old manifests use them, so both spellings are read here.
//! The types egressc *writes* live in [`crate::istio`]: they are strict and minimal, and a
//! change to them never loosens what `check` accepts.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A Kubernetes port that may be a number or a named port (`targetPort: http`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(u32),
    String(String),
}

impl IntOrString {
    pub fn number(&self) -> Option<u32> {
        match self {
            IntOrString::Int(n) => Some(*n),
            IntOrString::String(s) => s.parse().ok(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// `status` as the API server fills it in; only the addresses Istio allocates are read.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub addresses: Vec<StatusAddress>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct StatusAddress {
    #[serde(default)]
    pub value: Option<String>,
}

// ---------------------------------------------------------------------------------------
// networking.istio.io
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntry {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub ports: Vec<ServiceEntryPort>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<WorkloadEntry>,
    #[serde(default, alias = "export_to")]
    pub export_to: Vec<String>,
    #[serde(default, alias = "workload_selector")]
    pub workload_selector: Option<WorkloadSelector>,
    /// The identities the entry's servers present; Istio verifies them when a
    /// DestinationRule that originates TLS names none.
    #[serde(default, alias = "subject_alt_names")]
    pub subject_alt_names: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntryPort {
    #[serde(default)]
    pub number: u32,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, alias = "target_port")]
    pub target_port: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WorkloadEntry {
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub ports: BTreeMap<String, u32>,
}

/// A workload selector: `matchLabels` in security resources (AuthorizationPolicy), `labels`
/// in networking ones (Sidecar, DestinationRule, ServiceEntry).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    #[serde(default, alias = "match_labels")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Gateway {
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
    #[serde(default)]
    pub servers: Vec<Server>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Server {
    #[serde(default)]
    pub port: Option<ServerPort>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub tls: Option<ServerTls>,
    #[serde(default)]
    pub bind: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPort {
    #[serde(default)]
    pub number: u32,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, alias = "target_port")]
    pub target_port: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default, alias = "credential_name")]
    pub credential_name: Option<String>,
    #[serde(default, alias = "https_redirect")]
    pub https_redirect: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualService {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub gateways: Vec<String>,
    #[serde(default)]
    pub http: Vec<HttpRoute>,
    #[serde(default)]
    pub tls: Vec<TlsRoute>,
    #[serde(default)]
    pub tcp: Vec<TcpRoute>,
    #[serde(default, alias = "export_to")]
    pub export_to: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct HttpRoute {
    #[serde(default, rename = "match")]
    pub matches: Vec<RouteMatch>,
    #[serde(default)]
    pub route: Vec<RouteDestination>,
    #[serde(default)]
    pub mirror: Option<Destination>,
    /// Mirrors beside (or instead of) `mirror`.
    #[serde(default)]
    pub mirrors: Vec<HttpMirrorPolicy>,
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
    pub matches: Vec<RouteMatch>,
    #[serde(default)]
    pub route: Vec<RouteDestination>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TcpRoute {
    #[serde(default, rename = "match")]
    pub matches: Vec<RouteMatch>,
    #[serde(default)]
    pub route: Vec<RouteDestination>,
}

/// The match fields of the three route kinds in one type; a kind's absent fields stay empty.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteMatch {
    #[serde(default)]
    pub gateways: Vec<String>,
    #[serde(default)]
    pub port: Option<u32>,
    #[serde(default, alias = "sni_hosts")]
    pub sni_hosts: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RouteDestination {
    #[serde(default)]
    pub destination: Option<Destination>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Destination {
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub subset: Option<String>,
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
    pub host: String,
    #[serde(default, alias = "traffic_policy")]
    pub traffic_policy: Option<TrafficPolicy>,
    #[serde(default)]
    pub subsets: Vec<Subset>,
    #[serde(default, alias = "export_to")]
    pub export_to: Vec<String>,
    #[serde(default, alias = "workload_selector")]
    pub workload_selector: Option<WorkloadSelector>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    #[serde(default)]
    pub tls: Option<ClientTls>,
    #[serde(default, alias = "port_level_settings")]
    pub port_level_settings: Vec<PortTrafficPolicy>,
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
    pub mode: Option<String>,
    #[serde(default, alias = "ca_certificates")]
    pub ca_certificates: Option<String>,
    #[serde(default, alias = "credential_name")]
    pub credential_name: Option<String>,
    #[serde(default, alias = "subject_alt_names")]
    pub subject_alt_names: Vec<String>,
    #[serde(default)]
    pub sni: Option<String>,
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
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default, alias = "traffic_policy")]
    pub traffic_policy: Option<TrafficPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    #[serde(default, alias = "workload_selector")]
    pub workload_selector: Option<WorkloadSelector>,
    #[serde(default)]
    pub egress: Vec<SidecarEgress>,
    #[serde(default, alias = "outbound_traffic_policy")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SidecarEgress {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub port: Option<ServerPort>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct OutboundTrafficPolicy {
    #[serde(default)]
    pub mode: Option<String>,
}

// ---------------------------------------------------------------------------------------
// security.istio.io
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    #[serde(default)]
    pub selector: Option<WorkloadSelector>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub rules: Vec<AuthorizationRule>,
    /// A policy attached by reference (a Gateway API Gateway, a waypoint) instead of by
    /// `selector`; only whether it is set is read.
    #[serde(default, alias = "target_ref")]
    pub target_ref: Option<serde::de::IgnoredAny>,
    #[serde(default, alias = "target_refs")]
    pub target_refs: Vec<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorizationRule {
    #[serde(default)]
    pub from: Vec<RuleFrom>,
    #[serde(default)]
    pub to: Vec<RuleTo>,
    #[serde(default)]
    pub when: Vec<Condition>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RuleTo {
    #[serde(default)]
    pub operation: Option<Operation>,
}

/// The operation fields of a rule's `to` that the rules read: the destination ports (of the
/// workload, so a gateway's container ports), written as strings in Istio's API.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(default)]
    pub ports: Vec<IntOrString>,
    #[serde(default, alias = "not_ports")]
    pub not_ports: Vec<IntOrString>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RuleFrom {
    #[serde(default)]
    pub source: Option<Source>,
}

/// The source fields that need the peer's mTLS identity to be known.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(default)]
    pub principals: Vec<String>,
    #[serde(default, alias = "not_principals")]
    pub not_principals: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default, alias = "not_namespaces")]
    pub not_namespaces: Vec<String>,
    #[serde(default, alias = "service_accounts")]
    pub service_accounts: Vec<String>,
    #[serde(default, alias = "not_service_accounts")]
    pub not_service_accounts: Vec<String>,
    #[serde(default, alias = "trust_domains")]
    pub trust_domains: Vec<String>,
    #[serde(default, alias = "not_trust_domains")]
    pub not_trust_domains: Vec<String>,
}

impl Source {
    pub fn needs_peer_identity(&self) -> bool {
        !(self.principals.is_empty()
            && self.not_principals.is_empty()
            && self.namespaces.is_empty()
            && self.not_namespaces.is_empty()
            && self.service_accounts.is_empty()
            && self.not_service_accounts.is_empty()
            && self.trust_domains.is_empty()
            && self.not_trust_domains.is_empty())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default, alias = "not_values")]
    pub not_values: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Kubernetes core and networking.k8s.io
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<KubernetesServicePort>,
    #[serde(default, rename = "type")]
    pub service_type: Option<String>,
    #[serde(default)]
    pub external_name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesServicePort {
    #[serde(default)]
    pub port: u32,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub target_port: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicy {
    #[serde(default)]
    pub pod_selector: Option<LabelSelector>,
    #[serde(default)]
    pub policy_types: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------
// gateway.networking.k8s.io
// ---------------------------------------------------------------------------------------

/// A Gateway API `HTTPRoute`: only where it sends plain HTTP is read (Istio's Gateway API
/// egress recipes route to a ServiceEntry host with a `Hostname` backend).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HttpRouteSpec {
    #[serde(default)]
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    #[serde(default)]
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct BackendRef {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub port: Option<u32>,
}

impl BackendRef {
    /// The host this backend sends to: a `Hostname` backend names it; a Service backend
    /// (the default kind) is the Service's cluster name.
    pub fn host(&self, route_namespace: &str) -> Option<String> {
        match (
            self.group.as_deref().unwrap_or(""),
            self.kind.as_deref().unwrap_or("Service"),
        ) {
            ("networking.istio.io", "Hostname") => Some(self.name.clone()),
            ("", "Service") => Some(format!(
                "{}.{}.svc.cluster.local",
                self.name,
                self.namespace.as_deref().unwrap_or(route_namespace)
            )),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Mesh config: the IstioOperator overlay or the `istio` ConfigMap's `mesh` key
// ---------------------------------------------------------------------------------------

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
    pub root_namespace: Option<String>,
    #[serde(default, alias = "default_config")]
    pub default_config: Option<ProxyConfig>,
    #[serde(default, alias = "default_service_export_to")]
    pub default_service_export_to: Vec<String>,
    #[serde(default, alias = "default_virtual_service_export_to")]
    pub default_virtual_service_export_to: Vec<String>,
    #[serde(default, alias = "default_destination_rule_export_to")]
    pub default_destination_rule_export_to: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyConfig {
    #[serde(default, alias = "proxy_metadata")]
    pub proxy_metadata: BTreeMap<String, String>,
}

/// A ConfigMap; only `data` is read (the `istio` ConfigMap keeps MeshConfig under `mesh`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConfigMapData {
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}
