//! M025 `authorization-without-mutual-hop`: an AuthorizationPolicy on the egress gateway
//! matches on the caller's identity, while a server of that gateway does not terminate
//! Istio mutual TLS.
//!
//! The peer identity that `source.principals`, `source.namespaces`,
//! `source.serviceAccounts`, `source.trustDomains` and the `when` keys `source.principal`,
//! `source.namespace`, `source.serviceAccount`, `source.trustDomain` test comes from the
//! client certificate of Istio mTLS. A gateway sees it only on a server with `tls.mode:
//! ISTIO_MUTUAL`: sidecars do not use auto-mTLS toward gateway pods, a plain HTTP server
//! sees no certificate, a `PASSTHROUGH` server forwards the app's TLS untouched, and
//! `SIMPLE`/`MUTUAL` servers do not carry the mesh identity. There, Envoy's principal
//! matchers fail: a positive identity condition never matches, a negated one
//! (`notPrincipals`, `notValues`) always does. So, for each rule (the message names the
//! conditions and the action, ALLOW by default):
//!
//! - ALLOW with positive conditions: they never match, and the callers they name are
//!   denied (403 `RBAC: access denied`, or a closed connection on TLS/TCP servers);
//! - ALLOW with only negated conditions: the rule allows everyone, the exclusion is void;
//! - DENY with positive conditions: they never match, the callers they name get through
//!   (a bypass);
//! - DENY with only negated conditions: the rule denies everyone;
//! - CUSTOM with positive conditions: the external authorizer is never asked for those
//!   callers (a bypass).
//!
//! A policy selects the gateway pods when it is in their namespace (or the root namespace,
//! mesh-wide) and has no selector, or its `matchLabels` are all among the Gateway's
//! selector labels. A rule limited with `to.operation.ports` is judged only on those ports
//! (the server port or its Service's `targetPort`). Policies attached by `targetRef(s)` are
//! left out. AUDIT policies change no traffic and are not reported.

use super::{Finding, Index};
use crate::diagnostic::codes;
use crate::manifest::{AuthorizationPolicy, AuthorizationRule, Gateway, IntOrString, Spec};

/// The identity conditions a rule has, split by their effect without an identity.
#[derive(Default)]
struct Identity {
    /// Conditions that can never match without an identity (`principals`, `values`).
    positive: Vec<String>,
    /// Conditions that always match without an identity (`notPrincipals`, `notValues`).
    negative: Vec<String>,
}

const IDENTITY_KEYS: [&str; 4] = [
    "source.principal",
    "source.namespace",
    "source.serviceAccount",
    "source.trustDomain",
];

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (policy_index, policy) in index.authorization_policies() {
        if policy.target_ref.is_some() || !policy.target_refs.is_empty() {
            continue;
        }
        let action = policy
            .action
            .as_deref()
            .unwrap_or("ALLOW")
            .to_ascii_uppercase();
        if !matches!(action.as_str(), "ALLOW" | "DENY" | "CUSTOM") {
            continue;
        }
        // egressc writes one policy with a rule per host for thousands of Gateways: the
        // identity conditions are read once, and a Gateway whose servers all terminate
        // Istio mTLS is passed over without looking at each rule.
        let identity_rules: Vec<(&AuthorizationRule, Identity)> = policy
            .rules
            .iter()
            .map(|rule| (rule, identity(rule)))
            .filter(|(_, identity)| !(identity.positive.is_empty() && identity.negative.is_empty()))
            .collect();
        if identity_rules.is_empty() {
            continue;
        }
        for (gateway_index, gateway) in index.gateways() {
            if !has_plain_server(gateway) || !selects(index, policy_index, policy, gateway) {
                continue;
            }
            for (rule, identity) in &identity_rules {
                let servers = plain_servers(index, gateway, rule);
                if servers.is_empty() {
                    continue;
                }
                let http = servers.iter().any(|s| s.http);
                let Some(effect) = effect(&action, identity, http) else {
                    continue;
                };
                let ports: Vec<&str> = servers.iter().map(|s| s.text.as_str()).collect();
                let conditions = if identity.positive.is_empty() {
                    identity.negative.join(", ")
                } else {
                    identity.positive.join(", ")
                };
                findings.push(
                    Finding::new(
                        codes::AUTHORIZATION_WITHOUT_MUTUAL_HOP,
                        policy_index,
                        format!(
                            "AuthorizationPolicy ({action}) applies to the pods of Gateway \
                             {}/{} and matches on the caller's identity ({conditions}), but \
                             the gateway does not terminate Istio mTLS on {}: it knows no \
                             peer identity there, so {effect}",
                            index.namespace(gateway_index),
                            index.name(gateway_index),
                            ports.join(", ")
                        ),
                    )
                    .related(gateway_index)
                    .help(
                        "terminate Istio mTLS on the gateway (server `tls.mode: \
                         ISTIO_MUTUAL`, and `ISTIO_MUTUAL` in the client DestinationRule's \
                         gateway subset), or match on what the gateway does see there \
                         (`connection.sni`, `source.ip`)",
                    ),
                );
            }
        }
    }
}

/// Does a server of the Gateway not terminate Istio mTLS?
fn has_plain_server(gateway: &Gateway) -> bool {
    gateway.servers.iter().any(|server| {
        !server
            .tls
            .as_ref()
            .and_then(|t| t.mode.as_deref())
            .is_some_and(|mode| mode.eq_ignore_ascii_case("ISTIO_MUTUAL"))
    })
}

/// Does the policy apply to the pods of this Gateway?
fn selects(
    index: &Index,
    policy_index: usize,
    policy: &AuthorizationPolicy,
    gateway: &Gateway,
) -> bool {
    let namespace = index.namespace(policy_index);
    let workload_namespace = index.gateway_workload_namespace(gateway);
    if namespace != workload_namespace && namespace != index.mesh.root_namespace {
        return false;
    }
    let labels = policy
        .selector
        .as_ref()
        .map(|s| &s.match_labels)
        .filter(|l| !l.is_empty());
    match labels {
        None => true,
        Some(labels) => {
            !gateway.selector.is_empty()
                && labels
                    .iter()
                    .all(|(k, v)| gateway.selector.get(k) == Some(v))
        }
    }
}

/// The identity conditions of a rule, from its `from` sources and its `when` conditions.
fn identity(rule: &AuthorizationRule) -> Identity {
    let mut out = Identity::default();
    for source in rule.from.iter().filter_map(|f| f.source.as_ref()) {
        for (name, values, positive) in [
            ("source.principals", &source.principals, true),
            ("source.namespaces", &source.namespaces, true),
            ("source.serviceAccounts", &source.service_accounts, true),
            ("source.trustDomains", &source.trust_domains, true),
            ("source.notPrincipals", &source.not_principals, false),
            ("source.notNamespaces", &source.not_namespaces, false),
            (
                "source.notServiceAccounts",
                &source.not_service_accounts,
                false,
            ),
            ("source.notTrustDomains", &source.not_trust_domains, false),
        ] {
            if values.is_empty() {
                continue;
            }
            if positive {
                out.positive.push(name.to_owned());
            } else {
                out.negative.push(name.to_owned());
            }
        }
    }
    for condition in &rule.when {
        if !IDENTITY_KEYS.contains(&condition.key.as_str()) {
            continue;
        }
        if !condition.values.is_empty() {
            out.positive.push(format!("when {}", condition.key));
        }
        if !condition.not_values.is_empty() {
            out.negative
                .push(format!("when {} notValues", condition.key));
        }
    }
    out.positive.sort();
    out.positive.dedup();
    out.negative.sort();
    out.negative.dedup();
    out
}

/// What the rule does without an identity; `None` when that changes nothing worth telling.
/// `http`: some of the servers terminate HTTP (a denial is a 403 there, a closed connection
/// on TLS and TCP servers).
fn effect(action: &str, identity: &Identity, http: bool) -> Option<&'static str> {
    let dead = !identity.positive.is_empty();
    Some(match (action, dead) {
        ("ALLOW", true) if http => {
            "these conditions never match and the callers they should allow are denied (403 \
             RBAC: access denied)"
        }
        ("ALLOW", true) => {
            "these conditions never match and the connections of the callers they should \
             allow are closed"
        }
        ("ALLOW", false) => {
            "the negated conditions always match and the rule allows every caller, including \
             the ones it excludes"
        }
        ("DENY", true) => {
            "these conditions never match and the callers they should deny get through (a \
             bypass)"
        }
        ("DENY", false) => {
            "the negated conditions always match and the rule denies every caller, including \
             the ones it spares"
        }
        ("CUSTOM", true) => {
            "these conditions never match and the external authorizer is never asked for \
             those callers (a bypass)"
        }
        _ => return None,
    })
}

/// A Gateway server that does not terminate Istio mTLS.
struct PlainServer {
    /// `port 443 (TLS PASSTHROUGH)`.
    text: String,
    /// Does the gateway handle HTTP requests there (HTTP, or TLS it terminates itself)?
    http: bool,
}

/// The Gateway's servers that do not terminate ISTIO_MUTUAL and that the rule's
/// `to.operation.ports` (if any) covers.
fn plain_servers(index: &Index, gateway: &Gateway, rule: &AuthorizationRule) -> Vec<PlainServer> {
    let service = index
        .gateway_service(gateway)
        .and_then(|i| match &index.manifests[i].spec {
            Spec::Service(service) => Some(service),
            _ => None,
        });
    let mut out: Vec<PlainServer> = Vec::new();
    for server in &gateway.servers {
        let mode = server
            .tls
            .as_ref()
            .and_then(|t| t.mode.as_deref())
            .unwrap_or_default()
            .to_ascii_uppercase();
        if mode == "ISTIO_MUTUAL" {
            continue;
        }
        let Some(port) = server.port.as_ref() else {
            continue;
        };
        let mut numbers = vec![port.number];
        if let Some(service) = service {
            numbers.extend(
                service
                    .ports
                    .iter()
                    .filter(|p| p.port == port.number)
                    .filter_map(|p| p.target_port.as_ref().and_then(IntOrString::number)),
            );
        }
        numbers.extend(port.target_port);
        if !rule_covers(rule, &numbers) {
            continue;
        }
        let protocol = port
            .protocol
            .as_deref()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let http = matches!(protocol.as_str(), "HTTP" | "HTTP2" | "GRPC")
            || (protocol == "HTTPS" && !mode.contains("PASSTHROUGH"));
        let how = match (protocol.is_empty(), mode.is_empty()) {
            (true, true) => "no protocol".to_owned(),
            (false, true) => protocol,
            (true, false) => mode,
            (false, false) => format!("{protocol} {mode}"),
        };
        let text = format!("port {} ({how})", port.number);
        if !out.iter().any(|s| s.text == text) {
            out.push(PlainServer { text, http });
        }
    }
    out
}

/// Does the rule apply to traffic on a port with these numbers? A rule without
/// `to.operation.ports` applies to every port.
fn rule_covers(rule: &AuthorizationRule, numbers: &[u32]) -> bool {
    let operations: Vec<_> = rule
        .to
        .iter()
        .filter_map(|t| t.operation.as_ref())
        .collect();
    if operations.is_empty() {
        return true;
    }
    operations.iter().any(|operation| {
        let listed = |ports: &[IntOrString]| {
            ports
                .iter()
                .filter_map(IntOrString::number)
                .any(|p| numbers.contains(&p))
        };
        (operation.ports.is_empty() || listed(&operation.ports)) && !listed(&operation.not_ports)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::rules::tests::run_rule(check, yaml)
    }

    const GATEWAY: &str = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - {port: {number: 443, name: tls, protocol: TLS}, hosts: [a.example.com], tls: {mode: PASSTHROUGH}}
  - {port: {number: 80, name: https, protocol: HTTPS}, hosts: [b.example.com], tls: {mode: ISTIO_MUTUAL}}
---
apiVersion: v1
kind: Service
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  ports: [{port: 443, targetPort: 8443, name: tls}, {port: 80, targetPort: 8080, name: http}]
";

    fn policy(spec: &str) -> String {
        format!(
            "{GATEWAY}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n\
             metadata: {{name: p, namespace: istio-system}}\nspec:\n{spec}"
        )
    }

    #[test]
    fn a_negated_identity_in_a_deny_policy_denies_everyone() {
        let found = findings(&policy(
            "  action: DENY\n  rules: [{from: [{source: {notNamespaces: [payments]}}]}]\n",
        ));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("denies every caller"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("port 443 (TLS PASSTHROUGH)"));
        assert!(!found[0].message.contains("port 80"));
    }

    #[test]
    fn rules_limited_to_the_mutual_port_are_fine() {
        // By the server port or by the container port behind it.
        for port in ["80", "8080"] {
            let spec = format!(
                "  rules: [{{from: [{{source: {{principals: [x]}}}}], \
                 to: [{{operation: {{ports: [\"{port}\"]}}}}]}}]\n"
            );
            assert!(findings(&policy(&spec)).is_empty(), "{port}");
        }
        let spec = "  rules: [{from: [{source: {principals: [x]}}], to: [{operation: {ports: [\"8443\"]}}]}]\n";
        assert_eq!(findings(&policy(spec)).len(), 1);
    }

    #[test]
    fn other_selectors_and_namespaces_are_not_the_gateway() {
        let other_labels = "  selector: {matchLabels: {app: other}}\n  rules: [{from: [{source: {principals: [x]}}]}]\n";
        assert!(findings(&policy(other_labels)).is_empty());
        let elsewhere = policy("  rules: [{from: [{source: {principals: [x]}}]}]\n").replace(
            "metadata: {name: p, namespace: istio-system}",
            "metadata: {name: p, namespace: payments}",
        );
        assert!(findings(&elsewhere).is_empty());
        let audit = "  action: AUDIT\n  rules: [{from: [{source: {principals: [x]}}]}]\n";
        assert!(findings(&policy(audit)).is_empty());
    }
}
