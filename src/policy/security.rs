//! The mesh settings that make the egress gateway a boundary: NetworkPolicies for the client
//! namespaces, REGISTRY_ONLY per namespace, and the gateway's access log.
//!
//! Like the rest of the model, these say what the policy means; which resources carry them is
//! [`crate::compile`]'s business.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use super::Policy;
use crate::source::{Span, Spanned};

/// `network-policy { ... }` in `mesh`: a default-deny egress NetworkPolicy in each client
/// namespace, so that pods without a sidecar cannot bypass the egress gateway.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicySettings {
    /// Namespaces that get one besides those the hosts' `namespaces` name, sorted.
    pub namespaces: Vec<Spanned<String>>,
    /// The cluster DNS pods, which every pod must still reach (UDP and TCP 53).
    pub dns: PodSelection,
    /// The Istio control plane pods, which sidecars reach for configuration and certificates.
    pub istiod: PodSelection,
    /// The `network-policy` node.
    #[serde(skip)]
    pub declared_at: Option<Span>,
}

impl Default for NetworkPolicySettings {
    fn default() -> NetworkPolicySettings {
        NetworkPolicySettings {
            namespaces: Vec::new(),
            dns: PodSelection::kube_dns(),
            istiod: PodSelection::istiod(),
            declared_at: None,
        }
    }
}

/// Pods chosen by their namespace and labels, as a NetworkPolicy peer names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PodSelection {
    pub namespace: String,
    pub selector: BTreeMap<String, String>,
}

impl PodSelection {
    /// CoreDNS and kube-dns both keep the `k8s-app: kube-dns` label in `kube-system`.
    pub fn kube_dns() -> PodSelection {
        PodSelection {
            namespace: "kube-system".to_owned(),
            selector: BTreeMap::from([("k8s-app".to_owned(), "kube-dns".to_owned())]),
        }
    }

    /// istiod as Istio's charts install it.
    pub fn istiod() -> PodSelection {
        PodSelection {
            namespace: "istio-system".to_owned(),
            selector: BTreeMap::from([("app".to_owned(), "istiod".to_owned())]),
        }
    }
}

impl Policy {
    /// The namespaces that get a NetworkPolicy: those the hosts name, those REGISTRY_ONLY is
    /// rolled out to, and those listed in `network-policy`; empty without `network-policy`.
    ///
    /// Never the namespaces of the egress gateway, istiod or the cluster DNS: a default-deny
    /// egress policy there would cut off the very pods every client needs.
    pub fn network_policy_namespaces(&self) -> BTreeSet<&str> {
        let Some(settings) = &self.mesh.network_policy else {
            return BTreeSet::new();
        };
        let infrastructure = [
            self.mesh.egress_gateway.namespace.as_str(),
            settings.istiod.namespace.as_str(),
            settings.dns.namespace.as_str(),
        ];
        self.hosts
            .iter()
            .flat_map(|h| h.namespaces.iter())
            .chain(&self.mesh.registry_only_namespaces)
            .chain(&settings.namespaces)
            .map(|n| n.value.as_str())
            .filter(|n| !infrastructure.contains(n))
            .collect()
    }
}
