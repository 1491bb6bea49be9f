//! M013 `resolution-none-through-gateway`: a gateway forwards to a host whose ServiceEntry
//! has `resolution: NONE`, so it forwards to itself.
//!
//! `resolution: NONE` (the default when `resolution` is unset) builds an `ORIGINAL_DST`
//! cluster: the proxy connects to the destination address of the connection it received.
//! At a sidecar that is the IP the app resolved. At a gateway it is the gateway's own pod
//! address (the sidecar sent the traffic to the gateway's Service), so the gateway connects
//! to itself and the request loops until it fails. Istio's egress gateway page warns about
//! exactly this and uses `resolution: DNS`.
//!
//! Neither `addresses` nor `endpoints` help. `addresses` only decide which connections a
//! sidecar's listener captures; the cluster stays `ORIGINAL_DST` (at most the port is
//! rewritten to the `targetPort`). `endpoints` are rejected for NONE by Istio's validation
//! and ignored if they get through. Both are reported, with the resolution that fits as the
//! fix (STATIC for entries with endpoints or addresses, DNS otherwise).
//!
//! Only entries visible to the gateway's namespace and declaring the destination host
//! exactly count (a destination uses the cluster of an exact host); when an entry with a
//! real resolution also declares it, the rule stays quiet. Wildcard destinations are
//! M004's.

use super::hops::{bound_gateways, destination_host, routes_at};
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{ServiceEntry, Spec};

fn resolution(entry: &ServiceEntry) -> String {
    entry
        .resolution
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or("NONE")
        .to_ascii_uppercase()
}

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, vs) in index.virtual_services() {
        for (reference, gateway) in bound_gateways(index, i, vs) {
            let viewer = gateway.map_or_else(
                || index.mesh.root_namespace.clone(),
                |(_, g)| index.gateway_workload_namespace(g),
            );
            for route in routes_at(index, i, vs, &reference) {
                for destination in &route.route.destinations {
                    let Some(host) = destination_host(index, i, destination) else {
                        continue;
                    };
                    if hosts::is_wildcard(&host) {
                        continue;
                    }
                    let visible: Vec<(usize, &ServiceEntry)> = index
                        .entries_for_host(&host)
                        .iter()
                        .filter_map(|&e| match &index.manifests[e].spec {
                            Spec::ServiceEntry(entry) if index.entry_visible(e, entry, &viewer) => {
                                Some((e, &**entry))
                            }
                            _ => None,
                        })
                        .collect();
                    if visible.iter().any(|(_, e)| resolution(e) != "NONE") {
                        continue;
                    }
                    for (e, entry) in visible {
                        let set = if entry.resolution.is_some() {
                            "`resolution: NONE`"
                        } else {
                            "no `resolution` (NONE)"
                        };
                        let fix = if entry.endpoints.is_empty() && entry.addresses.is_empty() {
                            "`resolution: DNS`, so the gateway resolves the host itself"
                        } else {
                            "`resolution: STATIC` with the addresses as `endpoints` (or DNS), \
                             so the gateway has real endpoints"
                        };
                        let mut finding = Finding::new(
                            codes::RESOLUTION_NONE_THROUGH_GATEWAY,
                            e,
                            format!(
                                "ServiceEntry {} has {set} for {host}, which the gateway hop \
                                 of VirtualService {} ({} at Gateway {reference}) forwards to: \
                                 the gateway connects to the original destination of the \
                                 connection, which is the gateway itself, and the request \
                                 loops",
                                index.name(e),
                                index.name(i),
                                route.describe(),
                            ),
                        )
                        .related(i)
                        .help(format!("use {fix}"));
                        if let Some((g, _)) = gateway {
                            finding = finding.related(g);
                        }
                        findings.push(finding);
                    }
                }
            }
        }
    }
}
