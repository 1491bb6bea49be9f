//! Refuses policies that ask for a configuration known to break in Istio.
//!
//! Each check lives in its own file, named after its code's name, and reads only the merged
//! policy model. The codes are the `M` codes of [`crate::diagnostic::codes`], shared with the
//! manifest rules, so a mistake has one name wherever it is caught. Every check explains the
//! run-time symptom and the fix, because these mistakes otherwise surface only as 503s,
//! resets and `WRONG_VERSION_NUMBER`.

mod cidr_through_gateway;
mod conflicting_protocols;
mod gateway_ports;
mod origination_to_wildcard;
mod sidecar_host_without_addresses;
mod tcp_without_addresses;
mod tls_inside_tls;
mod unresolvable_wildcard;

use crate::diagnostic::Diagnostics;
use crate::policy::Policy;

/// Runs every policy-level check.
pub fn validate(policy: &Policy, diagnostics: &mut Diagnostics) {
    tls_inside_tls::check(policy, diagnostics);
    tcp_without_addresses::check(policy, diagnostics);
    conflicting_protocols::check(policy, diagnostics);
    unresolvable_wildcard::check(policy, diagnostics);
    gateway_ports::check(policy, diagnostics);
    cidr_through_gateway::check(policy, diagnostics);
    origination_to_wildcard::check(policy, diagnostics);
    sidecar_host_without_addresses::check(policy, diagnostics);
}
