//! Kubernetes core (`Service`) and networking.k8s.io (`NetworkPolicy`).

use serde::Deserialize;

use super::{IntOrString, Labels, List, Text};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    #[serde(default)]
    pub selector: Labels,
    #[serde(default)]
    pub ports: List<KubernetesServicePort>,
    #[serde(default, rename = "type")]
    pub service_type: Option<Text>,
    #[serde(default)]
    pub external_name: Option<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesServicePort {
    #[serde(default)]
    pub port: u32,
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default)]
    pub protocol: Option<Text>,
    #[serde(default)]
    pub target_port: Option<IntOrString>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicy {
    #[serde(default)]
    pub pod_selector: Option<LabelSelector>,
    #[serde(default)]
    pub policy_types: List<Text>,
    #[serde(default)]
    pub egress: List<NetworkPolicyEgressRule>,
}

impl NetworkPolicy {
    /// Does it limit egress? With `policyTypes` unset, Kubernetes includes Egress exactly
    /// when the policy has egress rules.
    pub fn limits_egress(&self) -> bool {
        if self.policy_types.is_empty() {
            return !self.egress.is_empty();
        }
        self.policy_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Egress"))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: Labels,
    /// Only whether there are any is read: the rules cannot evaluate them.
    #[serde(default)]
    pub match_expressions: List<serde::de::IgnoredAny>,
}

/// One egress rule: connections to any of `to` (everywhere when empty) on any of `ports`
/// (every port when empty) are allowed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NetworkPolicyEgressRule {
    #[serde(default)]
    pub to: List<NetworkPolicyPeer>,
    #[serde(default)]
    pub ports: List<NetworkPolicyPort>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyPeer {
    #[serde(default)]
    pub pod_selector: Option<LabelSelector>,
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(default)]
    pub ip_block: Option<IpBlock>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct IpBlock {
    #[serde(default)]
    pub cidr: Text,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyPort {
    /// `TCP` when unset.
    #[serde(default)]
    pub protocol: Option<Text>,
    /// Every port of the protocol when unset; a name is a container port's name.
    #[serde(default)]
    pub port: Option<IntOrString>,
    #[serde(default)]
    pub end_port: Option<u32>,
}
