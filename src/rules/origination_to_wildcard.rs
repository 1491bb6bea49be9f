//! M008 `origination-to-wildcard`: a DestinationRule for a wildcard host (`*.example.com`)
//! originates TLS (`SIMPLE` or `MUTUAL`) without a name that fits every host below it.
//!
//! Originating TLS means choosing the SNI to send and the name to verify the certificate
//! against, and a wildcard names no single server. What Istio does depends on `sni`:
//!
//! - **No `sni`.** Since Istio 1.21 the cluster gets Envoy's `auto_sni` (and, without
//!   `subjectAltNames`, `auto_san_validation`): each *HTTP* request's `Host` becomes the SNI
//!   and the name verified. That works under a wildcard, so HTTP ports are not reported. But
//!   the option lives in the HTTP protocol options: a port that carries raw TCP (or any
//!   non-HTTP protocol) has no `Host`, the proxy sends no SNI at all, servers answer with
//!   their default certificate or reset the handshake, and without `subjectAltNames` any
//!   certificate a trusted CA signed is accepted. Reported as an error for such ports.
//!   Ports declared `HTTPS`/`TLS` are M001's (TLS inside TLS); ports without a protocol are
//!   sniffed, so they may be HTTP: not reported.
//! - **A fixed `sni`.** Envoy then sends that one name for every host under the wildcard,
//!   and `auto_san_validation` is off. Servers that pick their certificate or backend by SNI
//!   answer every other name as that one (a certificate mismatch, 421, or the wrong site).
//!   It is right only when one server answers for all the names, so it is a **warning**, and
//!   quiet when the only hosts the input declares under the wildcard are the `sni` itself.
//!   An `sni` that is itself a wildcard is no server name at all: an error.

use super::{Finding, Index, hosts};
use crate::diagnostic::{Severity, codes};
use crate::manifest::{ClientTls, DestinationRule, ServiceEntry, Spec, TrafficPolicy};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (rule_index, rule) in index.destination_rules() {
        let pattern = hosts::resolve(&rule.host, index.namespace(rule_index));
        if !hosts::is_wildcard(&pattern) {
            continue;
        }
        let entries = covered_entries(index, &pattern);
        for origination in originations(rule) {
            let Origination { place, tls, .. } = &origination;
            let ports = ports_of(index, &origination, &entries);
            let mode = tls.mode();
            let sni = tls.sni.as_deref().map(str::trim).unwrap_or_default();
            if hosts::is_wildcard(sni) {
                findings.push(
                    Finding::new(
                        codes::ORIGINATION_TO_WILDCARD,
                        rule_index,
                        format!(
                            "DestinationRule originates TLS ({mode}) toward {pattern} with \
                             `sni: {sni}` ({place}): a wildcard is not a server name, so no \
                             server has a certificate for what the proxy sends"
                        ),
                    )
                    .help(
                        "write one DestinationRule per concrete host, each with its own `sni` \
                         and `subjectAltNames`",
                    ),
                );
            } else if !sni.is_empty() {
                if only_host_is(&entries, sni) {
                    continue;
                }
                let unchecked = if tls.subject_alt_names.is_empty() {
                    "; and with `sni` set and no `subjectAltNames`, the certificate is checked \
                     against no name at all"
                } else {
                    ""
                };
                let mut finding = Finding::new(
                    codes::ORIGINATION_TO_WILDCARD,
                    rule_index,
                    format!(
                        "DestinationRule originates TLS ({mode}) toward every host under \
                         {pattern} with the one SNI {sni} ({place}): servers that choose their \
                         certificate or backend by SNI answer requests for other names as \
                         {sni} (certificate mismatch, 421 or the wrong site){unchecked}"
                    ),
                )
                .help(format!(
                    "write one DestinationRule per concrete host with its own `sni` and \
                     `subjectAltNames`; or, for HTTP ports, drop `sni`: Istio (1.21 and later) \
                     then sends each request's Host as SNI and verifies it. Keep `sni: {sni}` \
                     only if one server answers for every name under {pattern}"
                ));
                finding.severity = Severity::Warning;
                for (entry, _) in &entries {
                    finding = finding.related(*entry);
                }
                findings.push(finding);
            } else {
                let nameless: Vec<&(u32, String, usize)> = ports
                    .iter()
                    .filter(|(_, protocol, _)| carries_no_name(protocol))
                    .collect();
                let Some((_, _, first_entry)) = nameless.first() else {
                    continue;
                };
                let listed: Vec<String> = nameless
                    .iter()
                    .map(|(port, protocol, _)| format!("{port} ({protocol})"))
                    .collect();
                let unchecked = if tls.subject_alt_names.is_empty() {
                    ", and without `subjectAltNames` any certificate a trusted CA signed is \
                     accepted"
                } else {
                    ""
                };
                let mut finding = Finding::new(
                    codes::ORIGINATION_TO_WILDCARD,
                    rule_index,
                    format!(
                        "DestinationRule originates TLS ({mode}) toward every host under \
                         {pattern} without `sni` ({place}), on port {} of ServiceEntry {}: that \
                         traffic is not HTTP, so there is no Host to take the name from and the \
                         proxy sends no SNI; servers answer with a default certificate or reset \
                         the handshake{unchecked}",
                        listed.join(", "),
                        index.name(*first_entry)
                    ),
                )
                .help(
                    "declare the concrete hosts the app calls, each with a DestinationRule \
                     setting `sni` and `subjectAltNames`, or let the app speak TLS itself \
                     (declare the port TLS and drop the origination)",
                );
                for (_, _, entry) in &nameless {
                    finding = finding.related(*entry);
                }
                findings.push(finding);
            }
        }
    }
}

/// The ServiceEntries with a host under the wildcard (or the wildcard itself): the services
/// this DestinationRule applies to. With each, the host it declares there.
fn covered_entries(index: &Index, pattern: &str) -> Vec<(usize, Vec<String>)> {
    index
        .service_entries()
        .filter_map(|(i, entry)| {
            let namespace = index.namespace(i);
            let hosts: Vec<String> = entry
                .hosts
                .iter()
                .map(|h| hosts::resolve(h, namespace))
                .filter(|h| !h.is_empty() && hosts::covers(pattern, h))
                .collect();
            (!hosts.is_empty()).then_some((i, hosts))
        })
        .collect()
}

fn entry<'a>(index: &Index<'a>, i: usize) -> Option<&'a ServiceEntry> {
    match &index.manifests[i].spec {
        Spec::ServiceEntry(entry) => Some(entry),
        _ => None,
    }
}

/// One TLS setting of the rule that originates TLS.
struct Origination<'a> {
    /// Where it is written: `trafficPolicy`, `subset x, port 80`.
    place: String,
    /// Its port for a port-level setting; `None` for a policy-wide one.
    port: Option<u32>,
    /// For a policy-wide setting, the ports its policy overrides with port-level settings.
    overridden: Vec<u32>,
    tls: &'a ClientTls,
}

/// Every TLS setting of the rule that originates TLS (top level, per port, per subset).
fn originations(rule: &DestinationRule) -> Vec<Origination<'_>> {
    let mut policies: Vec<(String, &TrafficPolicy)> = Vec::new();
    if let Some(policy) = &rule.traffic_policy {
        policies.push(("trafficPolicy".to_owned(), policy));
    }
    for subset in &rule.subsets {
        if let Some(policy) = &subset.traffic_policy {
            policies.push((format!("subset {}", subset.name), policy));
        }
    }
    let mut out = Vec::new();
    for (place, policy) in policies {
        for port_policy in &policy.port_level_settings {
            if let (Some(port), Some(tls)) = (port_policy.port, &port_policy.tls)
                && tls.originates_tls()
            {
                out.push(Origination {
                    place: format!("{place}, port {}", port.number),
                    port: Some(port.number),
                    overridden: Vec::new(),
                    tls,
                });
            }
        }
        if let Some(tls) = policy.tls.as_ref().filter(|t| t.originates_tls()) {
            out.push(Origination {
                place,
                port: None,
                overridden: policy
                    .port_level_settings
                    .iter()
                    .filter_map(|p| p.port.map(|s| s.number))
                    .collect(),
                tls,
            });
        }
    }
    out
}

/// The entry ports an origination applies to: (port, declared protocol, entry).
fn ports_of(
    index: &Index,
    origination: &Origination,
    entries: &[(usize, Vec<String>)],
) -> Vec<(u32, String, usize)> {
    let mut out = Vec::new();
    for (i, _) in entries {
        let Some(entry) = entry(index, *i) else {
            continue;
        };
        for port in &entry.ports {
            let applies = match origination.port {
                Some(number) => port.number == number,
                None => !origination.overridden.contains(&port.number),
            };
            if applies {
                out.push((
                    port.number,
                    port.protocol.as_deref().unwrap_or_default().to_owned(),
                    *i,
                ));
            }
        }
    }
    out
}

/// Traffic that is neither HTTP (whose Host gives the name), nor TLS from the app (M001),
/// nor of unknown protocol (sniffed, perhaps HTTP).
fn carries_no_name(protocol: &str) -> bool {
    let protocol = protocol.to_ascii_uppercase();
    !(protocol.is_empty()
        || matches!(
            protocol.as_str(),
            "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" | "HTTPS" | "TLS"
        ))
}

/// Are the hosts the input declares under the wildcard exactly the one `sni` names?
fn only_host_is(entries: &[(usize, Vec<String>)], sni: &str) -> bool {
    !entries.is_empty()
        && entries
            .iter()
            .all(|(_, hosts)| hosts.iter().all(|h| h.eq_ignore_ascii_case(sni)))
}
