//! M002 `tcp-without-addresses`: a TCP port declared without the destination's addresses.
//!
//! Raw TCP carries no hostname, so a sidecar can only tell connections apart by destination
//! IP. A TCP ServiceEntry port without `addresses` makes Istio build a listener on
//! `0.0.0.0:PORT` that captures every connection on that port, to any destination, and sends
//! it to this host (Istio's analyzer reports the same as IST0134).

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Policy, Protocol};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    catch_all_ranges(policy, diagnostics);
    for host in policy.hosts.iter().filter(|h| h.addresses.is_empty()) {
        for port in host.ports.iter().filter(|p| p.protocol == Protocol::Tcp) {
            diagnostics.push(
                Diagnostic::error(
                    codes::TCP_WITHOUT_ADDRESSES,
                    format!(
                        "TCP port {} of `{}` has no addresses",
                        port.number.value, host.name.value
                    ),
                )
                .primary(port.span, "without addresses this captures every connection on the port")
                .secondary(host.declared_at[0], "add `addresses` to this host")
                .help("list the destination's IPs or CIDR ranges, such as `addresses \"203.0.113.10\"`"),
            );
        }
    }
}

/// `0.0.0.0/0` (or `::/0`) matches every destination: as good as no addresses at all.
fn catch_all_ranges(policy: &Policy, diagnostics: &mut Diagnostics) {
    for host in &policy.hosts {
        let Some(port) = host.ports.iter().find(|p| p.protocol == Protocol::Tcp) else {
            continue;
        };
        for address in host.addresses.iter().filter(|a| a.value.prefix == 0) {
            diagnostics.push(
                Diagnostic::error(
                    codes::TCP_WITHOUT_ADDRESSES,
                    format!(
                        "TCP port {} of `{}` is open to every address",
                        port.number.value, host.name.value
                    ),
                )
                .primary(address.span, "this range matches every destination")
                .secondary(port.span, "captures every connection on this port")
                .help("list the destination's own IPs or CIDR ranges"),
            );
        }
    }
}
