//! M031 `sidecar-host-without-addresses` (a warning): a host routed `via "sidecar"` that a
//! namespace with a generated NetworkPolicy may use, but that has no `addresses`.
//!
//! From the sidecar, traffic leaves the pod straight for the host, so the namespace's
//! default-deny NetworkPolicy must allow the host's IPs. A NetworkPolicy knows only IP
//! ranges (`ipBlock`), never names; without `addresses` there is nothing to allow, and the
//! connections time out at the CNI although Istio routes them. A warning, not a refusal:
//! the team may allow the host's ranges in a NetworkPolicy of its own.

use crate::diagnostic::{Diagnostic, Diagnostics, Severity, codes};
use crate::policy::{Policy, Via};

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    let limited = policy.network_policy_namespaces();
    if limited.is_empty() {
        return;
    }
    let hosts = policy
        .hosts
        .iter()
        .filter(|h| h.via.value == Via::Sidecar && h.addresses.is_empty());
    for host in hosts {
        let blocked: Vec<&str> = if host.namespaces.is_empty() {
            limited.iter().copied().collect()
        } else {
            host.namespaces
                .iter()
                .map(|n| n.value.as_str())
                .filter(|n| limited.contains(n))
                .collect()
        };
        if blocked.is_empty() {
            continue;
        }
        diagnostics.push(
            Diagnostic::new(
                codes::SIDECAR_HOST_WITHOUT_ADDRESSES,
                Severity::Warning,
                format!(
                    "`{}` leaves from the sidecar but has no addresses, so the NetworkPolicy of {} cannot allow it",
                    host.name.value,
                    blocked.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            )
            .primary(host.name.span, "a NetworkPolicy allows IP ranges, not names")
            .secondary(host.via.span, "routed via the sidecar")
            .help("add the host's `addresses`, route it `via \"gateway\"`, or allow its ranges in a NetworkPolicy of your own"),
        );
    }
}
