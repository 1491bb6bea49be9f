//! M015 `destination-host-not-fqdn`: a route destination or DestinationRule host written
//! as a short Service name with dots (`istio-egressgateway.istio-system`, `name.ns.svc`).
//!
//! Istio resolves a host without a dot to a Service of the resource's namespace, and takes
//! any name with a dot as a complete FQDN (`ResolveShortnameToFQDN`; Kubernetes DNS search
//! paths play no part in the proxy's routing). So `istio-egressgateway.istio-system` is a
//! host of its own, which no Service or ServiceEntry defines: a route to it has no cluster
//! (503, `NC`/`NR`), and a DestinationRule for it applies to nothing, so its subsets and TLS
//! settings never take effect.
//!
//! A host counts as such a short form when its second label is a namespace the input knows
//! (`name.namespace`, `name.namespace.svc`) or it ends in `.svc.cluster`; when the input has
//! a Service `name` in that namespace, the message says which Service was meant. Hosts that
//! a ServiceEntry declares are real names and are left alone, as are wildcards and IPs.

use std::collections::BTreeSet;

use foldhash::{HashSet, HashSetExt};

use super::routes::routes;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let namespaces: BTreeSet<&str> = index.known_namespaces();
    let namespaces: Vec<&str> = namespaces.into_iter().collect();
    for (i, vs) in index.virtual_services() {
        let mut seen: HashSet<&str> = HashSet::new();
        for route in routes(vs) {
            for destination in &route.destinations {
                let host = destination.host.as_str();
                if !seen.insert(host) {
                    continue;
                }
                if let Some((meant, known)) = short_form(index, host, &namespaces) {
                    findings.push(with_service(
                        index,
                        &meant,
                        Finding::new(
                            codes::DESTINATION_HOST_NOT_FQDN,
                            i,
                            format!(
                                "VirtualService {}: destination host `{host}` has a dot, so \
                                 Istio takes it as a complete name, not as {}: no service has \
                                 that name and the route fails (503, no cluster)",
                                index.name(i),
                                describe(&meant, known),
                            ),
                        )
                        .help(format!("write the full name `{meant}`")),
                    ));
                }
            }
        }
    }
    for (i, rule) in index.destination_rules() {
        let host = rule.host.as_str();
        if let Some((meant, known)) = short_form(index, host, &namespaces) {
            findings.push(with_service(
                index,
                &meant,
                Finding::new(
                    codes::DESTINATION_HOST_NOT_FQDN,
                    i,
                    format!(
                        "DestinationRule {}: host `{host}` has a dot, so Istio takes it as a \
                         complete name, not as {}: the rule applies to no service, so its \
                         subsets and traffic policy never take effect",
                        index.name(i),
                        describe(&meant, known),
                    ),
                )
                .help(format!("write the full name `{meant}`")),
            ));
        }
    }
}

/// Points at the Service that was meant, when the input has it.
fn with_service(index: &Index, meant: &str, finding: Finding) -> Finding {
    match index.service_for_host(meant) {
        Some(service) => finding.related(service),
        None => finding,
    }
}

/// The cluster FQDN a short form means, and whether the input has that Service.
fn short_form(index: &Index, host: &str, namespaces: &[&str]) -> Option<(String, bool)> {
    if host.is_empty()
        || hosts::is_wildcard(host)
        || host.parse::<std::net::IpAddr>().is_ok()
        || !index.entries_for_host(host).is_empty()
    {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let (name, namespace) = match labels.as_slice() {
        [name, namespace] | [name, namespace, "svc"] | [name, namespace, "svc", "cluster"] => {
            (*name, *namespace)
        }
        _ => return None,
    };
    if name.is_empty() || namespace.is_empty() {
        return None;
    }
    let meant = format!("{name}.{namespace}.svc.{}", hosts::CLUSTER_DOMAIN);
    let known = index.service_for_host(&meant).is_some();
    (known || hosts::looks_like_short_service_name(host, namespaces)).then_some((meant, known))
}

fn describe(meant: &str, known: bool) -> String {
    match hosts::cluster_service(meant) {
        Some((name, namespace)) if known => {
            format!("the Service {name} in namespace {namespace} (`{meant}`)")
        }
        Some((name, namespace)) => {
            format!("Service {name} of namespace {namespace} (`{meant}`)")
        }
        None => format!("`{meant}`"),
    }
}
