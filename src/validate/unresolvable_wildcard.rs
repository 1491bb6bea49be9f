//! M004 `unresolvable-wildcard`: a wildcard host routed through the egress gateway with no
//! concrete server to send it to.
//!
//! The gateway forwards to a cluster whose endpoints come from DNS, and DNS cannot resolve
//! `*.example.com`. With `resolution: NONE` instead, the gateway would forward to the original
//! destination, which is the gateway itself: a loop. Istio's wildcard recipe routes the
//! wildcard to one server that answers for every name under it (`*.wikipedia.org` to
//! `www.wikipedia.org`); the policy says so with `served-by`.

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Policy, Via};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    let unresolvable = policy
        .hosts
        .iter()
        .filter(|h| h.is_wildcard() && h.via.value == Via::Gateway && h.served_by.is_none());
    for host in unresolvable {
        let domain = host.name.value.trim_start_matches("*.");
        diagnostics.push(
            Diagnostic::error(
                codes::UNRESOLVABLE_WILDCARD,
                format!(
                    "the egress gateway cannot resolve the wildcard `{}`",
                    host.name.value
                ),
            )
            .primary(
                host.name.span,
                "DNS cannot resolve a wildcard, and without DNS the gateway forwards to itself",
            )
            .secondary(host.via.span, "routed through the gateway")
            .help(format!(
                "name the server that answers for every name under it, such as \
                 `served-by \"www.{domain}\"`, or route it `via \"sidecar\"`"
            )),
        );
    }
}
