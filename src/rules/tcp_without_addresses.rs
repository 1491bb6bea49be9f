//! M002 `tcp-without-addresses`: a ServiceEntry port that carries raw TCP (protocol `TCP`
//! or none) and no `addresses`.
//!
//! Raw TCP carries no host name, so a sidecar can tell connections apart only by destination
//! IP. Without addresses, Istio builds the listener on `0.0.0.0:<port>`, which captures every
//! connection to that port, whatever its destination, and sends it to this entry. Istio's
//! analyzer reports the same as IST0134, except when the mesh config turns on DNS capture
//! with auto-allocation (`ISTIO_META_DNS_CAPTURE` and `ISTIO_META_DNS_AUTO_ALLOCATE`), or the
//! entry's status already has allocated addresses: then every entry gets an address of its
//! own. `0.0.0.0/0` as the address is the same catch-all written out.

use super::{Finding, Index};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, entry) in index.service_entries() {
        let allocated = index.mesh.dns_auto_allocate
            || index.manifests[i]
                .status
                .addresses
                .iter()
                .any(|a| a.value.is_some());
        let catch_all = entry
            .addresses
            .iter()
            .any(|a| a == "0.0.0.0/0" || a == "::/0");
        if (!entry.addresses.is_empty() || allocated) && !catch_all {
            continue;
        }
        let tcp_ports: Vec<String> = entry
            .ports
            .iter()
            .filter(|p| {
                p.protocol.as_deref().is_none_or(|protocol| {
                    protocol.is_empty() || protocol.eq_ignore_ascii_case("TCP")
                })
            })
            .map(|p| p.number.to_string())
            .collect();
        if tcp_ports.is_empty() {
            continue;
        }
        let hosts = entry.hosts.join(", ");
        let (what, help) = if catch_all {
            (
                "an address range of every IP",
                "list the destination's own IPs or CIDR ranges",
            )
        } else {
            (
                "no addresses",
                "add the destination's IPs or CIDR ranges to `addresses`, or declare the \
                 port's real protocol (HTTP, HTTPS, TLS) so Istio can route by host name",
            )
        };
        findings.push(
            Finding::new(
                codes::TCP_WITHOUT_ADDRESSES,
                i,
                format!(
                    "ServiceEntry for {hosts} has TCP port {} and {what}: its listener \
                     captures every connection on that port, to any destination",
                    tcp_ports.join(", ")
                ),
            )
            .help(help),
        );
    }
}
