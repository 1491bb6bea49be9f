//! NetworkPolicies for the client namespaces, when `mesh { network-policy { ... } }` asks.
//!
//! REGISTRY_ONLY and the egress gateway are enforced by the sidecar, in the pod: a pod
//! without one (not injected, or annotated out) or a process that skips it (the proxy's own
//! UID, a raw IP that no listener captures with ALLOW_ANY) leaves the mesh directly. A
//! NetworkPolicy is enforced by the CNI, outside the pod, so it holds for them too.
//!
//! Each client namespace gets one default-deny egress policy for all its pods that allows
//! only what a sidecar-injected pod needs to leave through the gateway: DNS to the cluster
//! DNS pods (UDP and TCP 53), istiod (15012: configuration and certificates) and the egress
//! gateway pods. The gateway rule names no port: the pods' container ports (8080 and 8443
//! for 80 and 443) depend on how the gateway was installed, and the pods themselves are the
//! boundary. Hosts routed `via "sidecar"` leave from the pod, so they get a rule for their
//! `addresses` on the ports the sidecar connects to; a host without addresses cannot be
//! allowed by IP, and validation warns about it (M031).
//!
//! NetworkPolicies add up: whatever else a namespace may reach inside the cluster is
//! allowed by the team's own policies beside this one.

use std::collections::{BTreeMap, BTreeSet};

use super::HostContext;
use super::metadata::object_meta;
use super::names::resource_name;
use crate::istio::{
    IpBlock, LabelSelector, NETWORKING_K8S_V1, NetworkPolicyEgressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec, Object, Resource,
};
use crate::policy::{Address, Mesh, NetworkPolicySettings, PodSelection, Policy};

/// Kubernetes sets this label on every namespace to its name (since 1.21).
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// istiod's port for xDS and certificate signing over TLS.
const ISTIOD_PORT: u16 = 15012;

/// One policy per client namespace; empty without `network-policy`.
pub fn network_policies(policy: &Policy, hosts: &[HostContext]) -> Vec<Resource> {
    let Some(settings) = &policy.mesh.network_policy else {
        return Vec::new();
    };
    // Every namespace's policy lists most of the sidecar hosts: each host's rule is made
    // once and copied into the policies that list it.
    let sidecar_hosts: Vec<(&HostContext, NetworkPolicyEgressRule)> = hosts
        .iter()
        .filter(|c| !c.via_gateway() && !c.host.addresses.is_empty())
        .map(|c| (c, sidecar_host_rule(c)))
        .collect();
    // Each namespace's policy scans every host: on every core, in order.
    let namespaces: Vec<_> = policy.network_policy_namespaces().into_iter().collect();
    crate::parallel::map(&namespaces, |namespace| {
        network_policy(&policy.mesh, settings, &sidecar_hosts, namespace)
    })
}

fn network_policy(
    mesh: &Mesh,
    settings: &NetworkPolicySettings,
    sidecar_hosts: &[(&HostContext, NetworkPolicyEgressRule)],
    namespace: &str,
) -> Resource {
    let gateway = &mesh.egress_gateway;
    let mut egress = vec![
        NetworkPolicyEgressRule {
            to: vec![pods(&settings.dns)],
            ports: vec![port("UDP", 53), port("TCP", 53)],
        },
        NetworkPolicyEgressRule {
            to: vec![pods(&settings.istiod)],
            ports: vec![port("TCP", ISTIOD_PORT)],
        },
        NetworkPolicyEgressRule {
            to: vec![pods(&PodSelection {
                namespace: gateway.namespace.clone(),
                selector: gateway.selector.clone(),
            })],
            ports: Vec::new(),
        },
    ];
    egress.extend(
        sidecar_hosts
            .iter()
            .filter(|(c, _)| {
                c.host.namespaces.is_empty()
                    || c.host.namespaces.iter().any(|n| n.value == namespace)
            })
            .map(|(_, rule)| rule.clone()),
    );
    let spec = NetworkPolicySpec {
        pod_selector: LabelSelector::default(),
        policy_types: vec!["Egress".to_owned()],
        egress,
    };
    let name = resource_name("egressc-", namespace, namespace);
    let metadata = object_meta(name, namespace, &mesh.metadata);
    Resource::NetworkPolicy(Object::new(
        NETWORKING_K8S_V1,
        "NetworkPolicy",
        metadata,
        spec,
    ))
}

/// The host's addresses on the ports its traffic leaves on: the origination port where the
/// sidecar originates TLS (it connects to the `targetPort`), the app's port otherwise.
fn sidecar_host_rule(context: &HostContext) -> NetworkPolicyEgressRule {
    let wire_ports: BTreeSet<u16> = context
        .host
        .ports
        .iter()
        .map(|p| p.originate_tls.as_ref().map_or(p.number.value, |q| q.value))
        .collect();
    NetworkPolicyEgressRule {
        to: context
            .host
            .addresses
            .iter()
            .map(|a| NetworkPolicyPeer {
                ip_block: Some(IpBlock {
                    cidr: cidr(a.value),
                }),
                ..NetworkPolicyPeer::default()
            })
            .collect(),
        ports: wire_ports.into_iter().map(|p| port("TCP", p)).collect(),
    }
}

/// NetworkPolicy's `ipBlock` takes CIDR only: a single IP is its full-length prefix.
fn cidr(address: Address) -> String {
    format!("{}/{}", address.ip, address.prefix)
}

fn pods(selection: &PodSelection) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_owned(),
                selection.namespace.clone(),
            )]),
        }),
        pod_selector: Some(LabelSelector {
            match_labels: selection.selector.clone(),
        }),
        ip_block: None,
    }
}

fn port(protocol: &str, number: u16) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: protocol.to_owned(),
        port: number,
    }
}
