//! M004 `unresolvable-wildcard`: a wildcard host where a proxy must resolve one name.
//!
//! With `resolution: DNS` or `DNS_ROUND_ROBIN` and no `endpoints`, Istio makes the entry's
//! host itself the endpoint address of a DNS cluster: Envoy asks DNS for the literal
//! `*.example.com`, which never resolves, so the cluster has no endpoints and requests fail
//! (503 UH, "no healthy upstream"). Istio's wildcard docs say DNS resolution cannot be used
//! with wildcard hosts; a wildcard entry for direct sidecar traffic uses `resolution: NONE`
//! (the sidecar forwards to the IP the app resolved itself).
//!
//! The same mistake in a route: the gateway hop of a VirtualService whose destination is a
//! wildcard. The gateway received the connection on its own address; it has no IP of the
//! app's choosing to forward to and no single name to resolve: a DNS entry cannot resolve
//! it, a NONE entry forwards to the gateway itself, and without an entry there is no cluster
//! at all. Istio's wildcard egress-gateway recipe routes `*.wikipedia.org` to one concrete
//! server, `www.wikipedia.org`. Entries with `resolution: DYNAMIC_DNS` (newer Istio: a
//! dynamic forward proxy that resolves each request's own host name) are meant for wildcards
//! and are left alone in both checks, as are entries whose `endpoints` or
//! `workloadSelector` give the addresses.

use super::hops::{bound_gateways, destination_host, routes_at};
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{ServiceEntry, Spec};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    check_entries(index, findings);
    check_gateway_hops(index, findings);
}

fn resolution(entry: &ServiceEntry) -> String {
    entry
        .resolution
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or("NONE")
        .to_ascii_uppercase()
}

fn check_entries(index: &Index, findings: &mut Vec<Finding>) {
    for (i, entry) in index.service_entries() {
        let mode = resolution(entry);
        if !matches!(mode.as_str(), "DNS" | "DNS_ROUND_ROBIN")
            || !entry.endpoints.is_empty()
            || entry.workload_selector.is_some()
        {
            continue;
        }
        for host in entry.hosts.iter().filter(|h| hosts::is_wildcard(h)) {
            findings.push(
                Finding::new(
                    codes::UNRESOLVABLE_WILDCARD,
                    i,
                    format!(
                        "ServiceEntry {} declares the wildcard host {host} with `resolution: \
                         {mode}`: the proxy asks DNS for the literal name `{host}`, which \
                         never resolves, so the entry has no endpoints and requests fail \
                         (503 no healthy upstream)",
                        index.name(i)
                    ),
                )
                .help(
                    "for direct sidecar traffic to any subdomain use `resolution: NONE` (the \
                     sidecar keeps the IP the app resolved); to go through an egress gateway, \
                     declare the concrete hosts with `resolution: DNS` and route to them",
                ),
            );
        }
    }
}

/// Does an entry for exactly this wildcard host give the gateway something to connect to:
/// DYNAMIC_DNS (resolves each request's own name), or endpoints (or a workload selector)
/// with a resolving mode?
fn wildcard_served(index: &Index, host: &str) -> bool {
    index.entries_for_host(host).iter().any(|&i| {
        let Spec::ServiceEntry(entry) = &index.manifests[i].spec else {
            return false;
        };
        match resolution(entry).as_str() {
            "DYNAMIC_DNS" => true,
            "NONE" => false,
            _ => !entry.endpoints.is_empty() || entry.workload_selector.is_some(),
        }
    })
}

/// What a gateway does with a wildcard destination, by the entries that declare it.
fn symptom(index: &Index, host: &str) -> &'static str {
    let modes: Vec<String> = index
        .entries_for_host(host)
        .iter()
        .filter_map(|&i| match &index.manifests[i].spec {
            Spec::ServiceEntry(e) => Some(resolution(e)),
            _ => None,
        })
        .collect();
    if modes.is_empty() {
        "no ServiceEntry declares it, so there is no cluster and requests fail (503 NC, or a \
         reset)"
    } else if modes.iter().any(|m| m == "NONE") {
        "its entry has resolution NONE, so the gateway forwards to the original destination, \
         itself, and the request loops"
    } else {
        "its entry cannot resolve a wildcard, so the cluster has no endpoints (503 UH)"
    }
}

fn check_gateway_hops(index: &Index, findings: &mut Vec<Finding>) {
    for (i, vs) in index.virtual_services() {
        for (reference, gateway) in bound_gateways(index, i, vs) {
            for route in routes_at(index, i, vs, &reference) {
                for destination in &route.route.destinations {
                    let Some(host) = destination_host(index, i, destination) else {
                        continue;
                    };
                    if !hosts::is_wildcard(&host) || wildcard_served(index, &host) {
                        continue;
                    }
                    let mut finding = Finding::new(
                        codes::UNRESOLVABLE_WILDCARD,
                        i,
                        format!(
                            "VirtualService {}: its gateway hop ({} at Gateway {reference}) \
                             forwards to the wildcard host {host}, but a gateway needs one \
                             name to resolve (the connection's own destination is the \
                             gateway): {}",
                            index.name(i),
                            route.describe(),
                            symptom(index, &host),
                        ),
                    )
                    .help(format!(
                        "route the gateway hop to one concrete server with its own DNS \
                         ServiceEntry (Istio's wildcard recipe sends `*.wikipedia.org` to \
                         `www.wikipedia.org`); keep {host} for the VirtualService's `hosts` \
                         and the `sniHosts` match"
                    ));
                    if let Some((g, _)) = gateway {
                        finding = finding.related(g);
                    }
                    findings.push(finding);
                }
            }
        }
    }
}
