//! M009 `passthrough-with-istio-mutual`: the sidecar wraps Istio mTLS around traffic that
//! the egress gateway only passes through.
//!
//! A DestinationRule for the gateway's Service with `tls.mode: ISTIO_MUTUAL` (at the top
//! level, for the port, or in the subset the mesh hop uses) makes the sidecar open Istio
//! mTLS toward the gateway. A Gateway server with `tls.mode: PASSTHROUGH` does not terminate
//! anything: it reads the SNI of the first ClientHello and forwards the bytes by `tls:`
//! route. It sees the sidecar's mTLS handshake instead of the app's: the SNI is the one of
//! the DestinationRule (or Istio's cluster name), not the external host, so no filter chain
//! matches, or the external server gets an Istio handshake it cannot answer. Connections are
//! reset. The rule looks at the DestinationRules that apply to the mesh hop's clients
//! (`destination_rules_for`), so a rule in another namespace that the clients never see is
//! not blamed.

use super::hops::{ClientTlsSetting, server_host, server_tls_mode, subset_text};
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for leg in index.gateway_legs() {
        if server_tls_mode(leg.server).as_deref() != Some("PASSTHROUGH") {
            continue;
        }
        for client in &leg.clients {
            let ClientTlsSetting::Set(rule, tls) = client.tls else {
                continue;
            };
            let client = &client.namespace;
            if !tls.mode().eq_ignore_ascii_case("ISTIO_MUTUAL") {
                continue;
            }
            let sni = tls.sni.as_deref().filter(|s| !s.is_empty());
            let passes = sni.is_some_and(|s| {
                leg.server
                    .hosts
                    .iter()
                    .any(|h| hosts::covers(server_host(h), s))
            });
            let symptom = match sni {
                Some(s) if passes => format!(
                    "the gateway forwards the sidecar's Istio handshake to {s}, whose \
                     certificate is no mesh identity, so the handshake fails"
                ),
                Some(s) => format!(
                    "its SNI {s} matches none of the server's hosts, so the connection is \
                     reset"
                ),
                None => "its SNI is Istio's cluster name, which matches none of the server's \
                         hosts, so the connection is reset"
                    .to_owned(),
            };
            findings.push(
                Finding::new(
                    codes::PASSTHROUGH_WITH_ISTIO_MUTUAL,
                    rule,
                    format!(
                        "DestinationRule {} makes sidecars in namespace {client} wrap traffic \
                         to {}:{}{} in Istio mTLS (ISTIO_MUTUAL), but Gateway {} server {} \
                         is TLS PASSTHROUGH (VirtualService {}, {}): the gateway does not \
                         terminate that mTLS but passes it on by SNI as if it were the app's \
                         TLS; {symptom}",
                        index.name(rule),
                        leg.host,
                        leg.port,
                        subset_text(leg.destination),
                        leg.reference(index),
                        leg.port,
                        index.name(leg.vs),
                        leg.route.describe(),
                    ),
                )
                .related(leg.gateway)
                .related(leg.vs)
                .help(format!(
                    "drop `tls.mode: ISTIO_MUTUAL` for port {} (with PASSTHROUGH the app's own \
                     TLS goes end to end), or terminate at the gateway: server \
                     `protocol: HTTPS` with `tls.mode: ISTIO_MUTUAL`, `http:` routes, and TLS \
                     originated by the gateway",
                    leg.port
                )),
            );
        }
    }
}
