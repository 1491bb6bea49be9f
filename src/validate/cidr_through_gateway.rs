//! M007 `cidr-through-gateway`: an address range on a host routed through the gateway.
//!
//! Through the gateway, the ServiceEntry must tell the gateway where to send the traffic:
//! egressc lists single IPs as static endpoints. A range names no machine to forward to, and
//! Istio accepts CIDR `addresses` only with `resolution: NONE` or `STATIC`, where NONE would
//! make the gateway forward to itself.

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Policy, Via};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    for host in policy.hosts.iter().filter(|h| h.via.value == Via::Gateway) {
        for address in host.addresses.iter().filter(|a| !a.value.is_single()) {
            diagnostics.push(
                Diagnostic::error(
                    codes::CIDR_THROUGH_GATEWAY,
                    format!(
                        "`{}` is routed through the egress gateway with the address range {}",
                        host.name.value, address.value
                    ),
                )
                .primary(address.span, "the gateway needs single IPs to forward to")
                .secondary(host.via.span, "routed through the gateway")
                .help(
                    "list the destination's IPs one by one, or route this host `via \"sidecar\"`",
                ),
            );
        }
    }
}
