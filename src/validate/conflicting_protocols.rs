//! M003 `conflicting-protocols`: one host and port declared with two protocols.
//!
//! A ServiceEntry port has one protocol; Istio rejects or silently picks one when two
//! declarations disagree (IST0177 across ServiceEntries). In a policy this happens when two
//! files declare the same port differently, or when TLS origination targets a port the app
//! uses for plain HTTP or TCP: through the gateway that port becomes an HTTPS port of the
//! ServiceEntry; from the sidecar the host speaks TLS on it, which the app's own declaration
//! contradicts.

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Host, Policy, Protocol, Via};
use crate::source::Span;

pub fn check(policy: &Policy, diagnostics: &mut Diagnostics) {
    for host in &policy.hosts {
        same_port_twice(host, diagnostics);
        origination_port_in_use(host, diagnostics);
    }
}

fn same_port_twice(host: &Host, diagnostics: &mut Diagnostics) {
    for (i, first) in host.ports.iter().enumerate() {
        let Some(second) = host.ports[i + 1..]
            .iter()
            .find(|p| p.number.value == first.number.value)
        else {
            continue;
        };
        // Only the first clash per port: a third declaration adds nothing new.
        if host.ports[..i]
            .iter()
            .any(|p| p.number.value == first.number.value)
        {
            continue;
        }
        diagnostics.push(conflict(
            host,
            first.number.value,
            (
                second.span,
                &describe(second.protocol, second.originate_tls.is_some()),
            ),
            (
                first.span,
                &describe(first.protocol, first.originate_tls.is_some()),
            ),
        ));
    }
}

/// TLS origination makes the target port an HTTPS port of the ServiceEntry: the app cannot
/// also use it for plain HTTP or TCP, and through the gateway the app's own port cannot be
/// the target (the sidecar's `targetPort` trick is not available there).
fn origination_port_in_use(host: &Host, diagnostics: &mut Diagnostics) {
    for port in &host.ports {
        let Some(target) = &port.originate_tls else {
            continue;
        };
        if target.value == port.number.value {
            if host.via.value == Via::Gateway {
                diagnostics.push(
                    conflict(
                        host,
                        target.value,
                        (target.span, "HTTPS toward the host"),
                        (port.number.span, "plain HTTP from the app"),
                    )
                    .help(format!(
                        "through the gateway the app's port and the origination port are two \
                         ports of one ServiceEntry; let the app use another port, such as \
                         `http 80 originate-tls={}`",
                        target.value
                    )),
                );
            }
            continue;
        }
        let clash = host
            .ports
            .iter()
            .find(|p| p.number.value == target.value && p.protocol != Protocol::Tls);
        if let Some(other) = clash {
            diagnostics.push(conflict(
                host,
                target.value,
                (target.span, "HTTPS toward the host"),
                (
                    other.span,
                    &describe(other.protocol, other.originate_tls.is_some()),
                ),
            ));
        }
    }
}

fn describe(protocol: Protocol, originates: bool) -> String {
    match (protocol, originates) {
        (Protocol::Tls, _) => "TLS".to_owned(),
        (Protocol::Http, false) => "plain HTTP".to_owned(),
        (Protocol::Http, true) => "plain HTTP with TLS origination".to_owned(),
        (Protocol::Tcp, _) => "TCP".to_owned(),
    }
}

fn conflict(host: &Host, port: u16, here: (Span, &str), there: (Span, &str)) -> Diagnostic {
    Diagnostic::error(
        codes::CONFLICTING_PROTOCOLS,
        format!(
            "`{}` port {port} is declared with two protocols",
            host.name.value
        ),
    )
    .primary(here.0, format!("{} here", here.1))
    .secondary(there.0, format!("{} here", there.1))
    .help("a port carries one protocol; keep one declaration")
}
