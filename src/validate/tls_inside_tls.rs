//! M001 `tls-inside-tls`: TLS originated toward a port where the app already speaks TLS.
//!
//! The DestinationRule that originates TLS toward `host:Q` applies to every connection to
//! that cluster, including the app's own TLS declared with `tls Q`, which would then be
//! wrapped in a second TLS layer: the server answers the inner ClientHello as garbage and the
//! client sees `WRONG_VERSION_NUMBER` (Istio's "Double TLS" troubleshooting entry).
//!
//! This is a gateway matter only: from the sidecar, origination is keyed by the app's own
//! port, whose `targetPort` leads to the TLS port, so a `tls` declaration of that TLS port
//! keeps its own, untouched ServiceEntry port (Istio's sidecar TLS origination recipe has both).

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Policy, Protocol, Via};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    for host in policy.hosts.iter().filter(|h| h.via.value == Via::Gateway) {
        for port in &host.ports {
            let Some(target) = &port.originate_tls else {
                continue;
            };
            let Some(tls) = host
                .ports
                .iter()
                .find(|p| p.number.value == target.value && p.protocol == Protocol::Tls)
            else {
                continue;
            };
            diagnostics.push(
                Diagnostic::error(
                    codes::TLS_INSIDE_TLS,
                    format!(
                        "`{}` port {} would carry TLS inside TLS",
                        host.name.value, target.value
                    ),
                )
                .primary(
                    target.span,
                    format!("TLS is originated toward port {} here", target.value),
                )
                .secondary(tls.span, "but the app already speaks TLS to that port")
                .help(format!(
                    "the origination would also wrap the app's own TLS on {}, which fails with \
                     `WRONG_VERSION_NUMBER`; originate toward another port, or drop `tls {}`",
                    target.value, target.value
                )),
            );
        }
    }
}
