//! The policy model: what a policy means, after parsing and validation, before compilation.
//!
//! Values that came from the policy keep their [`Spanned`] position so that any later stage can
//! point at the line responsible. The model knows nothing of KDL or of Istio's resource shapes;
//! its JSON form (`egressc model`) is the contract with other tools, described by
//! `schemas/policy-model.schema.json`.

mod address;
mod security;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

pub use address::Address;
pub use security::{NetworkPolicySettings, PodSelection};

use crate::source::{Span, Spanned};

/// The JSON Schema of the policy model's JSON form, as committed in
/// `schemas/policy-model.schema.json` (a test keeps the file current).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Policy);
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    text.push('\n');
    text
}

/// The merged policy of one build: mesh settings and every allowed external host.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// The policy language version the files were written in.
    pub version: u32,
    pub mesh: Mesh,
    /// The external hosts, sorted by name.
    pub hosts: Vec<Host>,
    /// Severity overrides for the rules that judge the compiled resources (`rules`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleOverride>,
}

/// `deny "M012"` in a `rules` block: what a rule's findings become.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct RuleOverride {
    /// The rule's code (`M012`), whichever of code or name the policy wrote.
    pub rule: Spanned<String>,
    pub level: RuleLevel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Deny,
    Warn,
    Allow,
}

/// Mesh-wide settings (the `mesh` block, or its defaults when no file has one).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mesh {
    pub egress_gateway: EgressGateway,
    pub outbound_traffic_policy: OutboundTrafficPolicy,
    /// With `registry-only`: the namespaces that get it through `Sidecar` resources, while
    /// the mesh-wide mode stays `ALLOW_ANY` (a gradual roll-out). Empty: mesh-wide.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registry_only_namespaces: Vec<Spanned<String>>,
    /// NetworkPolicies for the client namespaces, when the policy asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<NetworkPolicySettings>,
    /// Namespace of the generated ServiceEntries, VirtualServices and host DestinationRules.
    pub config_namespace: String,
    /// Labels and annotations of the mesh-wide resources (the defaults of the file that
    /// declares `mesh`).
    pub metadata: Metadata,
    /// The `mesh` node, when a file declared one.
    #[serde(skip)]
    pub declared_at: Option<Span>,
}

impl Default for Mesh {
    fn default() -> Mesh {
        Mesh {
            egress_gateway: EgressGateway::default(),
            outbound_traffic_policy: OutboundTrafficPolicy::RegistryOnly,
            registry_only_namespaces: Vec::new(),
            network_policy: None,
            config_namespace: "istio-system".to_owned(),
            metadata: Metadata::default(),
            declared_at: None,
        }
    }
}

/// The egress gateway that `via "gateway"` hosts go through.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EgressGateway {
    /// Name of the gateway's Kubernetes Service (and of its Deployment).
    pub name: String,
    pub namespace: String,
    /// Labels of the gateway pods, which the generated Gateway resources select.
    pub selector: BTreeMap<String, String>,
    /// Ports the gateway's Service exposes, ascending.
    pub ports: Vec<u16>,
    /// The `ports` node, when the policy lists the ports itself.
    #[serde(skip)]
    pub ports_declared_at: Option<Span>,
    /// Whether a `Telemetry` resource turns on the gateway's access log (`access-log "off"`
    /// turns it off).
    pub access_log: bool,
}

impl Default for EgressGateway {
    /// Istio's own egress gateway, as the `default` and `demo` profiles install it.
    fn default() -> EgressGateway {
        EgressGateway {
            name: "istio-egressgateway".to_owned(),
            namespace: "istio-system".to_owned(),
            selector: BTreeMap::from([("istio".to_owned(), "egressgateway".to_owned())]),
            ports: vec![80, 443],
            ports_declared_at: None,
            access_log: true,
        }
    }
}

impl EgressGateway {
    /// The gateway Service's cluster-local name, as routes must write it.
    pub fn service_host(&self) -> String {
        format!("{}.{}.svc.cluster.local", self.name, self.namespace)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OutboundTrafficPolicy {
    RegistryOnly,
    AllowAny,
}

impl Policy {
    /// Whether the egress gateway enforces who may use which host: true as soon as one host
    /// through it is limited to `namespaces`. Then every hop to the gateway is Istio mutual
    /// TLS, so the gateway knows each caller's namespace, and an AuthorizationPolicy allows
    /// each host only to its clients (and denies everything else).
    pub fn gateway_enforces_namespaces(&self) -> bool {
        self.hosts
            .iter()
            .any(|h| h.via.value == Via::Gateway && !h.namespaces.is_empty())
    }
}

/// Labels and annotations added to generated resources, beside `managed-by`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct Metadata {
    pub labels: BTreeMap<String, Spanned<String>>,
    pub annotations: BTreeMap<String, Spanned<String>>,
}

/// One external destination that workloads may reach.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    /// A lower-case FQDN, or a wildcard `*.example.com`.
    pub name: Spanned<String>,
    /// The ports apps use, ascending by number.
    pub ports: Vec<PortDecl>,
    pub via: Spanned<Via>,
    /// IPs or CIDRs of the destination.
    pub addresses: Vec<Spanned<Address>>,
    /// Namespaces whose workloads may use the host; empty means every namespace.
    pub namespaces: Vec<Spanned<String>>,
    /// For a wildcard through the gateway: the concrete host that serves every name under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_by: Option<Spanned<String>>,
    /// CA bundle that verifies the host's certificate where egressc originates TLS.
    pub ca_certificates: Spanned<String>,
    pub metadata: Metadata,
    /// Every `host` node that declared this host (several when files merge).
    #[serde(skip)]
    pub declared_at: Vec<Span>,
}

impl Host {
    pub fn is_wildcard(&self) -> bool {
        self.name.value.starts_with("*.")
    }

    pub fn originates_tls(&self) -> bool {
        self.ports.iter().any(|p| p.originate_tls.is_some())
    }
}

/// The label egressc puts on everything it writes, and its value; `diff` finds egressc's
/// resources by it, so a policy may not set it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "egressc");

/// The proxy image's CA bundle, which Istio's security best practices use to verify servers.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// One port an app uses to reach a host, and what it speaks there.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortDecl {
    pub number: Spanned<u16>,
    pub protocol: Protocol,
    /// For plain HTTP: the port of the host to which TLS is originated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originate_tls: Option<Spanned<u16>>,
    /// The whole declaring node.
    #[serde(skip)]
    pub span: Span,
}

impl PartialEq for PortDecl {
    /// Two declarations are the same when they mean the same, wherever they were written.
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
            && self.protocol == other.protocol
            && self.originate_tls == other.originate_tls
    }
}

/// What the app speaks on a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// TLS from the app (HTTPS and the like): routed by SNI, never decrypted.
    Tls,
    /// Plain HTTP from the app.
    Http,
    /// Opaque TCP.
    Tcp,
}

impl Protocol {
    /// The keyword the policy language uses.
    pub fn keyword(self) -> &'static str {
        match self {
            Protocol::Tls => "tls",
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
        }
    }
}

/// Which proxy the traffic leaves the mesh from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// Sidecar -> egress gateway -> host.
    Gateway,
    /// Straight from the sidecar.
    Sidecar,
}

impl Via {
    pub fn keyword(self) -> &'static str {
        match self {
            Via::Gateway => "gateway",
            Via::Sidecar => "sidecar",
        }
    }
}
