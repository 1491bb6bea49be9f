//! The egress gateway's ports: M005 `port-not-on-gateway` and M006
//! `gateway-port-protocol-clash`.
//!
//! A route through the gateway arrives on the gateway Service's port of the same number, so
//! the Service must expose it, or the sidecar's first hop ends in a connection refused. And
//! one gateway port is one Envoy listener: Istio cannot serve plain HTTP and TLS (passthrough
//! or ISTIO_MUTUAL) on it together, and drops the later Gateway server as a conflict.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Host, Policy, PortDecl, Protocol, Via};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    let gateway = &policy.mesh.egress_gateway;
    // When the gateway enforces namespaces every server is ISTIO_MUTUAL, so plain HTTP and
    // TLS share a port by SNI like any two mutual-TLS servers.
    let enforced = policy.gateway_enforces_namespaces();
    let mut families: BTreeMap<u16, (&Host, &PortDecl)> = BTreeMap::new();
    for host in policy.hosts.iter().filter(|h| h.via.value == Via::Gateway) {
        for port in &host.ports {
            let number = port.number.value;
            if !gateway.ports.contains(&number) {
                let mut diagnostic = Diagnostic::error(
                    codes::PORT_NOT_ON_GATEWAY,
                    format!(
                        "`{}` is routed through the egress gateway on port {number}, which the gateway does not expose",
                        host.name.value
                    ),
                )
                .primary(port.number.span, format!("the gateway exposes {}", list(&gateway.ports)));
                if let Some(ports) = gateway.ports_declared_at {
                    diagnostic = diagnostic.secondary(ports, "the gateway's ports");
                }
                diagnostics.push(diagnostic.help(format!(
                    "add {number} to `ports` in `mesh {{ egress-gateway {{ ... }} }}`, or route this host `via \"sidecar\"`"
                )));
                continue;
            }
            match families.get(&number) {
                // One host's port declared twice is `conflicting-protocols`, reported there.
                Some((other_host, other))
                    if !enforced
                        && is_plain_http(other) != is_plain_http(port)
                        && other_host.name.value != host.name.value =>
                {
                    diagnostics.push(clash(host, port, other_host, other));
                }
                Some(_) => {}
                None => {
                    families.insert(number, (host, port));
                }
            }
        }
    }
}

/// Plain HTTP gets an HTTP server on the gateway; everything else a TLS one (passthrough for
/// `tls`, ISTIO_MUTUAL for origination and TCP).
fn is_plain_http(port: &PortDecl) -> bool {
    port.protocol == Protocol::Http && port.originate_tls.is_none()
}

fn clash(host: &Host, port: &PortDecl, other_host: &Host, other: &PortDecl) -> Diagnostic {
    let kind = |p: &PortDecl| {
        if is_plain_http(p) {
            "plain HTTP"
        } else {
            "TLS"
        }
    };
    let number = port.number.value;
    Diagnostic::error(
        codes::GATEWAY_PORT_PROTOCOL_CLASH,
        format!("gateway port {number} would serve both plain HTTP and TLS"),
    )
    .primary(port.span, format!("`{}` needs {} on {number}", host.name.value, kind(port)))
    .secondary(other.span, format!("`{}` needs {} on {number}", other_host.name.value, kind(other)))
    .help("Istio drops one of the two Gateway servers; give one of the hosts another port, or route it `via \"sidecar\"`")
}

fn list(ports: &[u16]) -> String {
    let ports: Vec<_> = ports.iter().map(u16::to_string).collect();
    if ports.is_empty() {
        "no ports".to_owned()
    } else {
        format!("only {}", ports.join(", "))
    }
}
