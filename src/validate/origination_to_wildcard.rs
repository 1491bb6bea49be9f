//! M008 `origination-to-wildcard`: TLS originated from the sidecar toward a wildcard host.
//!
//! Originating TLS means choosing the SNI and the certificate name to verify, and a wildcard
//! names no single server: Istio would send no SNI (or a literal `*.`) and could not verify
//! the certificate. Through the gateway with `served-by`, origination targets that one server.

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Policy, Via};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    let wildcards = policy
        .hosts
        .iter()
        .filter(|h| h.is_wildcard() && h.via.value == Via::Sidecar);
    for host in wildcards {
        for target in host.ports.iter().filter_map(|p| p.originate_tls.as_ref()) {
            diagnostics.push(
                Diagnostic::error(
                    codes::ORIGINATION_TO_WILDCARD,
                    format!("TLS cannot be originated toward the wildcard `{}`", host.name.value),
                )
                .primary(target.span, "no single server name to send as SNI and to verify")
                .secondary(host.name.span, "a wildcard host")
                .help("declare the concrete hosts the app calls, or let the app speak TLS itself (`tls PORT`)"),
            );
        }
    }
}
