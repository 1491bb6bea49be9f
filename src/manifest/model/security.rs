//! security.istio.io: AuthorizationPolicy.

use serde::Deserialize;

use super::{IntOrString, List, Text, WorkloadSelector};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    #[serde(default)]
    pub selector: Option<WorkloadSelector>,
    #[serde(default)]
    pub action: Option<Text>,
    #[serde(default)]
    pub rules: List<AuthorizationRule>,
    /// A policy attached by reference (a Gateway API Gateway, a waypoint) instead of by
    /// `selector`; only whether it is set is read.
    #[serde(default, alias = "target_ref")]
    pub target_ref: Option<serde::de::IgnoredAny>,
    #[serde(default, alias = "target_refs")]
    pub target_refs: List<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorizationRule {
    #[serde(default)]
    pub from: List<RuleFrom>,
    #[serde(default)]
    pub to: List<RuleTo>,
    #[serde(default)]
    pub when: List<Condition>,
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
    pub ports: List<IntOrString>,
    #[serde(default, alias = "not_ports")]
    pub not_ports: List<IntOrString>,
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
    pub principals: List<Text>,
    #[serde(default, alias = "not_principals")]
    pub not_principals: List<Text>,
    #[serde(default)]
    pub namespaces: List<Text>,
    #[serde(default, alias = "not_namespaces")]
    pub not_namespaces: List<Text>,
    #[serde(default, alias = "service_accounts")]
    pub service_accounts: List<Text>,
    #[serde(default, alias = "not_service_accounts")]
    pub not_service_accounts: List<Text>,
    #[serde(default, alias = "trust_domains")]
    pub trust_domains: List<Text>,
    #[serde(default, alias = "not_trust_domains")]
    pub not_trust_domains: List<Text>,
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
    pub key: Text,
    #[serde(default)]
    pub values: List<Text>,
    #[serde(default, alias = "not_values")]
    pub not_values: List<Text>,
}
