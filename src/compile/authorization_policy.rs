//! The AuthorizationPolicy on the egress gateway pods: each host only for its namespaces.
//!
//! Written when the gateway enforces namespaces ([`Policy::gateway_enforces_namespaces`]).
//! It is an ALLOW policy, so whatever reaches the gateway and matches none of its rules is
//! denied: another namespace, a host egressc does not route, traffic that skipped a
//! sidecar. Every hop to the gateway is then Istio mutual TLS, which is what lets the
//! gateway know the caller's namespace (`source.namespaces`; M025 explains why nothing else
//! carries it). A host open to every namespace gets a rule without `from`.
//!
//! What the gateway can match the host on depends on what it sees after terminating the
//! hop: HTTP requests carry the Host header (`to.operation.hosts`, an HTTP-only field),
//! while TLS and TCP streams are opaque, and the only name is the SNI of the mutual-TLS hop,
//! which the gateway-subset DestinationRule sets to the upstream host (`connection.sni`).
//! The rule's ports are left out on purpose: the gateway sees its container ports (8443
//! for 443), which depend on how it was installed.

use super::HostContext;
use super::metadata::object_meta;
use crate::istio::{
    AuthorizationPolicySpec, AuthorizationRule, Condition, Object, Resource, RuleFrom,
    RuleOperation, RuleSource, RuleTo, SECURITY_V1, WorkloadSelector,
};
use crate::policy::{Mesh, Protocol};

/// The policy for the hosts through the gateway, in host order.
pub fn gateway_authorization(mesh: &Mesh, hosts: &[HostContext]) -> Resource {
    let gateway = &mesh.egress_gateway;
    let rules = hosts
        .iter()
        .filter(|context| context.via_gateway())
        .flat_map(host_rules)
        .collect();
    let spec = AuthorizationPolicySpec {
        selector: WorkloadSelector {
            match_labels: gateway.selector.clone(),
        },
        action: "ALLOW".to_owned(),
        rules,
    };
    let metadata = object_meta("egressc".to_owned(), &gateway.namespace, &mesh.metadata);
    Resource::AuthorizationPolicy(Object::new(
        SECURITY_V1,
        "AuthorizationPolicy",
        metadata,
        spec,
    ))
}

/// One rule for the host's HTTP ports (by Host header), one for its TLS and TCP ports (by
/// the SNI of the mutual-TLS hop); each limited to the host's namespaces when it has some.
fn host_rules(context: &HostContext) -> Vec<AuthorizationRule> {
    let host = context.host;
    let from: Vec<RuleFrom> = if host.namespaces.is_empty() {
        Vec::new()
    } else {
        vec![RuleFrom {
            source: RuleSource {
                namespaces: host.namespaces.iter().map(|n| n.value.clone()).collect(),
            },
        }]
    };
    let mut rules = Vec::new();
    let http_ports: Vec<u16> = host
        .ports
        .iter()
        .filter(|p| p.protocol == Protocol::Http)
        .map(|p| p.number.value)
        .collect();
    if !http_ports.is_empty() {
        rules.push(AuthorizationRule {
            from: from.clone(),
            to: vec![RuleTo {
                operation: RuleOperation {
                    hosts: authorities(&host.name.value, &http_ports),
                },
            }],
            when: Vec::new(),
        });
    }
    if host.ports.iter().any(|p| p.protocol != Protocol::Http) {
        rules.push(AuthorizationRule {
            from,
            to: Vec::new(),
            when: vec![Condition {
                key: "connection.sni".to_owned(),
                values: vec![context.upstream().to_owned()],
            }],
        });
    }
    rules
}

/// The Host header values of requests for the host. Istio matches `hosts` exactly, and a
/// client writes the port into the header when it is not the scheme's default, so the
/// names with a port are listed too: `name:*` for a concrete host (a prefix match), and
/// `*.domain:PORT` for a wildcard (a suffix match: one `*` per value).
fn authorities(name: &str, http_ports: &[u16]) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    if name.starts_with("*.") {
        out.extend(http_ports.iter().map(|port| format!("{name}:{port}")));
    } else {
        out.push(format!("{name}:*"));
    }
    out
}
