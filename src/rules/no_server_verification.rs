//! M024 `no-server-verification`: a DestinationRule originates TLS (SIMPLE or MUTUAL) without
//! saying how to verify the server.
//!
//! When a proxy originates TLS it checks the server's certificate only as far as the
//! DestinationRule says:
//!
//! - `caCertificates` names the CA bundle. Without it the proxy falls back to its system CA
//!   bundle (`file-root:system`), so a certificate from *any* public CA is accepted; Istio
//!   before 1.20 (or with `VERIFY_CERTIFICATE_AT_CLIENT=false`) verified nothing at all.
//!   With `credentialName` the CA comes from the secret's `ca.crt` instead; but only
//!   gateways, and sidecars selected by the rule's `workloadSelector`, use a credential: other
//!   sidecars skip such a `tls` block and connect without TLS.
//! - `subjectAltNames` names the identities to accept. Without them, Istio checks the name
//!   only when it sets the SNI itself (no `sni`: `auto_sni` and `auto_san_validation` from
//!   the HTTP Host) or the host's ServiceEntry lists `subjectAltNames`. With `sni` set and no
//!   names, any certificate the CA signed is accepted, for any domain.
//! - `insecureSkipVerify: true` turns verification off.
//!
//! Istio's analyzer reports a missing `caCertificates` as IST0128 (top-level `tls`) and
//! IST0129 (`portLevelSettings`), except when `credentialName` and the rule's
//! `workloadSelector` are both set; this rule does the same, and also reads the subsets'
//! traffic policies. Istio's security best practice asks for both the CA and the names; a
//! rule that verifies the CA but, with `sni` set, no name is reported too, as is
//! `insecureSkipVerify`. ISTIO_MUTUAL is verified by the mesh CA and never reported.

use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{ClientTls, DestinationRule, Spec, Text, TrafficPolicy};

/// Where in a DestinationRule a `tls` block is.
struct Place<'a> {
    subset: Option<&'a str>,
    port: Option<u32>,
    /// `portLevelSettings` (IST0129) rather than a policy's own `tls` (IST0128).
    port_level: bool,
    tls: &'a ClientTls,
}

fn places(rule: &DestinationRule) -> Vec<Place<'_>> {
    let mut out = Vec::new();
    let policies: Vec<(&TrafficPolicy, Option<&str>)> = rule
        .traffic_policy
        .iter()
        .map(|p| (p, None))
        .chain(rule.subsets.iter().filter_map(|s| {
            s.traffic_policy
                .as_ref()
                .map(|p| (p, Some(s.name.as_str())))
        }))
        .collect();
    for (policy, subset) in policies {
        if let Some(tls) = &policy.tls {
            out.push(Place {
                subset,
                port: None,
                port_level: false,
                tls,
            });
        }
        for port_policy in &policy.port_level_settings {
            if let Some(tls) = &port_policy.tls {
                out.push(Place {
                    subset,
                    port: port_policy.port.map(|p| p.number),
                    port_level: true,
                    tls,
                });
            }
        }
    }
    out
}

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, rule) in index.destination_rules() {
        if rule.host.is_empty() {
            continue;
        }
        let host = hosts::resolve(&rule.host, index.namespace(i));
        let entry_names = entry_gives_names(index, &host);
        for place in places(rule) {
            let tls = place.tls;
            if !tls.originates_tls() {
                continue;
            }
            let mode = tls.mode();
            let target = target(&host, &place);
            let given = |s: &Option<Text>| s.as_deref().is_some_and(|s| !s.is_empty());
            let name_unchecked =
                given(&tls.sni) && tls.subject_alt_names.is_empty() && !entry_names;
            let name_text = if name_unchecked {
                format!(
                    "; with `sni` set and no `subjectAltNames` the name on the certificate \
                     is not checked either: any certificate the CA signed, for any domain, \
                     passes as {host}"
                )
            } else {
                String::new()
            };
            if tls.insecure_skip_verify == Some(true) {
                findings.push(
                    Finding::new(
                        codes::NO_SERVER_VERIFICATION,
                        i,
                        format!(
                            "DestinationRule originates TLS ({mode}) toward {target} with \
                             `insecureSkipVerify: true`: the proxy accepts whatever \
                             certificate the server presents, so anyone on the path can \
                             pose as {host}"
                        ),
                    )
                    .help(
                        "remove `insecureSkipVerify`: while it is on, `caCertificates` and \
                         `subjectAltNames` are ignored",
                    ),
                );
                continue;
            }
            let exempt = given(&tls.credential_name) && rule.workload_selector.is_some();
            if !given(&tls.ca_certificates) && !exempt {
                let level = if place.port_level {
                    "port-level"
                } else {
                    "top-level"
                };
                let credential = given(&tls.credential_name);
                let message = if credential {
                    format!(
                        "DestinationRule originates TLS ({mode}) toward {target} with \
                         `credentialName` but neither `caCertificates` in its {level} `tls` \
                         nor a `workloadSelector`: sidecars skip this `tls` block and connect \
                         without TLS, and gateway proxies verify the server only with the \
                         secret's `ca.crt` (when it has one){name_text}"
                    )
                } else {
                    format!(
                        "DestinationRule originates TLS ({mode}) toward {target} without \
                         `caCertificates` in its {level} `tls`: the proxy accepts a server \
                         certificate from any CA in its system bundle (Istio before 1.20 \
                         accepts any certificate){name_text}"
                    )
                };
                let help = if credential {
                    format!(
                        "give the rule a `workloadSelector` for the client workloads (sidecars \
                         use a credential only then), or export it only to the gateway's \
                         namespace; and set `caCertificates` (or a `ca.crt` in the secret) \
                         and `subjectAltNames: [{host}]`"
                    )
                } else {
                    help(&host)
                };
                findings.push(Finding::new(codes::NO_SERVER_VERIFICATION, i, message).help(help));
            } else if name_unchecked {
                findings.push(
                    Finding::new(
                        codes::NO_SERVER_VERIFICATION,
                        i,
                        format!(
                            "DestinationRule originates TLS ({mode}) toward {target} with \
                             `sni` set but no `subjectAltNames`: the proxy checks that the \
                             CA signed the server's certificate, but not the name on it, so \
                             any certificate of that CA, for any domain, passes as {host}"
                        ),
                    )
                    .help(format!(
                        "add `subjectAltNames: [{host}]` (the names on the server's \
                         certificate)"
                    )),
                );
            }
        }
    }
}

fn target(host: &str, place: &Place) -> String {
    let port = place
        .port
        .map_or_else(String::new, |port| format!(" port {port}"));
    let subset = place
        .subset
        .map_or_else(String::new, |s| format!(" (subset {s})"));
    format!("{host}{port}{subset}")
}

fn help(host: &str) -> String {
    format!(
        "set `caCertificates` to the CA bundle that signs {host}'s certificate (for a public \
         server, `/etc/ssl/certs/ca-certificates.crt`), `subjectAltNames: [{host}]` and \
         `sni: {host}`, as Istio's security best practice shows"
    )
}

/// Do the host's ServiceEntries give `subjectAltNames`? Istio verifies those when the
/// DestinationRule names none.
fn entry_gives_names(index: &Index, host: &str) -> bool {
    index
        .entries_covering(host)
        .into_iter()
        .any(|i| match &index.manifests[i].spec {
            Spec::ServiceEntry(entry) => !entry.subject_alt_names.is_empty(),
            _ => false,
        })
}
