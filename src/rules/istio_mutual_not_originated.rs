//! M010 `istio-mutual-not-originated`: a Gateway server expects Istio mTLS that the sidecars
//! routing to it do not send, or send with the wrong SNI.
//!
//! A Gateway server with `tls.mode: ISTIO_MUTUAL` accepts only Istio mTLS, and its filter
//! chain matches on SNI: one of the server's hosts (the external host in the egress
//! recipes; any SNI when the server's hosts include `*`). The sidecar sends Istio mTLS to
//! the gateway only when the DestinationRule that applies to it sets `tls.mode: ISTIO_MUTUAL`
//! for that port (top level, port level or the subset the mesh hop uses): auto mTLS sends
//! plain text to gateway pods, which carry no `security.istio.io/tlsMode` label. Without
//! `sni`, the sidecar sends Istio's cluster name as SNI, which matches no server host.
//! Either way no filter chain matches and connections are reset.
//!
//! The DestinationRule is looked up as Istio does for each client namespace of the mesh hop
//! (`destination_rules_for`): the VirtualService's namespace and the namespaces it is
//! exported to that the input knows. Istio's gateway TLS-origination recipe (server 80
//! HTTPS ISTIO_MUTUAL, subset `cnn` with port 80 ISTIO_MUTUAL and `sni: edition.cnn.com`)
//! is the correct form.

use super::hops::{ClientTlsSetting, server_host, server_tls_mode};
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::Destination;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for leg in index.gateway_legs() {
        if server_tls_mode(leg.server).as_deref() != Some("ISTIO_MUTUAL") {
            continue;
        }
        let server_hosts: Vec<&str> = leg.server.hosts.iter().map(|h| server_host(h)).collect();
        let any_sni = server_hosts.contains(&"*");
        let sni_example = server_hosts
            .iter()
            .find(|h| !hosts::is_wildcard(h))
            .or(server_hosts.first())
            .copied()
            .unwrap_or("the external host")
            .to_owned();
        for leg_client in &leg.clients {
            let client = &leg_client.namespace;
            let (resource, problem) = match leg_client.tls {
                ClientTlsSetting::UnknownSubset => continue,
                ClientTlsSetting::Unset => match leg_client.rule {
                    None => (
                        leg.vs,
                        format!(
                            "no DestinationRule for {} applies, so they send plain text \
                             (auto mTLS does not apply to gateway pods)",
                            leg.host
                        ),
                    ),
                    Some(rule) => (
                        rule,
                        format!(
                            "DestinationRule {} sets no TLS for port {}, so they send plain \
                             (auto mTLS does not apply to gateway pods)",
                            index.name(rule),
                            leg.port
                        ),
                    ),
                },
                ClientTlsSetting::Set(rule, tls) => {
                    if tls.mode().eq_ignore_ascii_case("ISTIO_MUTUAL") {
                        let sni = tls.sni.as_deref().filter(|s| !s.is_empty());
                        let matches = any_sni
                            || sni
                                .is_some_and(|s| server_hosts.iter().any(|h| hosts::covers(h, s)));
                        if matches {
                            continue;
                        }
                        let what = match sni {
                            Some(s) => {
                                format!("with `sni: {s}`, which is none of the server's hosts")
                            }
                            None => "without `sni`, so the SNI is Istio's cluster name".to_owned(),
                        };
                        (
                            rule,
                            format!(
                                "DestinationRule {} sets ISTIO_MUTUAL {what}",
                                index.name(rule)
                            ),
                        )
                    } else {
                        (
                            rule,
                            format!(
                                "DestinationRule {} sets `tls.mode: {}`, so they send no Istio \
                                 mTLS",
                                index.name(rule),
                                tls.mode()
                            ),
                        )
                    }
                }
            };
            let help = if resource == leg.vs {
                format!(
                    "add a DestinationRule for {} in namespace {client} (Istio looks in the \
                     client's namespace, then the Service's, then the root namespace) with, \
                     for port {}{}: `tls: {{mode: ISTIO_MUTUAL, sni: {sni_example}}}`",
                    leg.host,
                    leg.port,
                    subset_help(leg.destination),
                )
            } else {
                format!(
                    "set, for port {}{}: `tls: {{mode: ISTIO_MUTUAL, sni: {sni_example}}}`",
                    leg.port,
                    subset_help(leg.destination),
                )
            };
            findings.push(
                Finding::new(
                    codes::ISTIO_MUTUAL_NOT_ORIGINATED,
                    resource,
                    format!(
                        "Gateway {} server {} expects Istio mTLS (ISTIO_MUTUAL) from the mesh \
                         hop of VirtualService {} ({} to {}:{}{}), but for sidecars in \
                         namespace {client}, {problem}: no filter chain of the gateway matches \
                         and connections are reset",
                        leg.reference(index),
                        leg.port,
                        index.name(leg.vs),
                        leg.route.describe(),
                        leg.host,
                        leg.port,
                        leg.destination
                            .subset
                            .as_deref()
                            .filter(|s| !s.is_empty())
                            .map_or_else(String::new, |s| format!(", subset {s}")),
                    ),
                )
                .related(leg.gateway)
                .related(leg.vs)
                .help(help),
            );
        }
    }
}

fn subset_help(destination: &Destination) -> String {
    destination
        .subset
        .as_deref()
        .filter(|s| !s.is_empty())
        .map_or_else(String::new, |s| format!(" in subset {s}"))
}
