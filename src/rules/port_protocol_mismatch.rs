//! M012 `port-protocol-mismatch`: a ServiceEntry declares the well-known TLS port as plain
//! HTTP, or the plain HTTP port as TLS.
//!
//! The sidecar handles a port by its declared protocol. Port 443 declared `HTTP` (or
//! another HTTP protocol) gets the HTTP codec; an app calling `https://host` sends a TLS
//! ClientHello there, which the codec rejects (400 / `wrong version number`; Istio's
//! troubleshooting "Sending HTTPS to an HTTP port"). That is right only when the app sends
//! plain HTTP to 443 on purpose and a DestinationRule originates the TLS (Istio's fix for
//! double TLS), so a DestinationRule that originates TLS (SIMPLE or MUTUAL) toward that port
//! of the host keeps the rule quiet. Port 80 declared `HTTPS` or `TLS` is the reverse: an
//! app calling `http://host` sends plain HTTP, which carries no SNI for the TLS filter chain
//! to match, so the request misses the entry (blocked under REGISTRY_ONLY, passed through
//! unrouted otherwise).
//!
//! Other port numbers carry no convention and are not judged. The rule is a warning: the
//! port numbers are conventions, not proof of what the app sends.

use super::hops::is_http_protocol;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::TrafficPolicy;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, entry) in index.service_entries() {
        let namespace = index.namespace(i);
        for port in &entry.ports {
            let protocol = port.protocol.as_deref().unwrap_or_default();
            let upper = protocol.to_ascii_uppercase();
            let port_name = port.name.as_deref().unwrap_or_default();
            match port.number {
                443 if is_http_protocol(protocol) => {
                    let entry_hosts: Vec<String> = entry
                        .hosts
                        .iter()
                        .filter(|h| !h.is_empty())
                        .map(|h| hosts::resolve(h, namespace))
                        .collect();
                    if entry_hosts.is_empty()
                        || entry_hosts.iter().all(|h| originates_tls(index, h, 443))
                    {
                        continue;
                    }
                    findings.push(
                        Finding::new(
                            codes::PORT_PROTOCOL_MISMATCH,
                            i,
                            format!(
                                "ServiceEntry {} declares port 443 ({port_name}) as {upper} \
                                 for {}, and no DestinationRule originates TLS toward it: an \
                                 app calling https:// sends TLS there, which the sidecar's \
                                 HTTP codec rejects (400, `wrong version number`)",
                                index.name(i),
                                entry.hosts.join(", ")
                            ),
                        )
                        .help(
                            "declare port 443 `protocol: HTTPS` (or TLS); keep HTTP only if \
                             the app sends plain HTTP to 443 and a DestinationRule originates \
                             TLS (`tls.mode: SIMPLE`) for it",
                        ),
                    );
                }
                80 if matches!(upper.as_str(), "HTTPS" | "TLS") => {
                    findings.push(
                        Finding::new(
                            codes::PORT_PROTOCOL_MISMATCH,
                            i,
                            format!(
                                "ServiceEntry {} declares port 80 ({port_name}) as {upper} for \
                                 {}: an app calling http:// sends plain HTTP there, which has \
                                 no SNI for the sidecar's TLS filter chain to match, so the \
                                 request misses this entry (blocked under REGISTRY_ONLY)",
                                index.name(i),
                                entry.hosts.join(", ")
                            ),
                        )
                        .help(
                            "declare port 80 `protocol: HTTP`; to reach a TLS server from \
                             plain HTTP, add `targetPort: 443` and originate TLS with a \
                             DestinationRule for port 80",
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

/// Does some DestinationRule for `host` originate TLS (SIMPLE or MUTUAL) toward `port`, at
/// the top level, for the port, or in a subset?
fn originates_tls(index: &Index, host: &str, port: u32) -> bool {
    let originates = |policy: &TrafficPolicy| {
        policy
            .tls_for_port(port)
            .is_some_and(crate::manifest::ClientTls::originates_tls)
    };
    index
        .destination_rules_covering(host)
        .into_iter()
        .any(|r| match &index.manifests[r].spec {
            crate::manifest::Spec::DestinationRule(rule) => {
                rule.traffic_policy.as_ref().is_some_and(originates)
                    || rule
                        .subsets
                        .iter()
                        .filter_map(|s| s.traffic_policy.as_ref())
                        .any(originates)
            }
            _ => false,
        })
}
