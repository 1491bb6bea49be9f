//! M021 `hidden-by-export-to`: `exportTo` hides a ServiceEntry or a VirtualService from a
//! namespace whose traffic needs it.
//!
//! Istio hands a proxy only the services and VirtualServices exported to the proxy's own
//! namespace. For an egress gateway that is the namespace its *pods* run in (not the
//! namespace of the Gateway resource): `VirtualServicesForGateway` and the gateway's sidecar
//! scope are both keyed by it, and Sidecar resources never widen a gateway's view. So:
//!
//! - A VirtualService bound to a Gateway but not exported to the gateway pods' namespace
//!   gives the gateway no routes: HTTP requests get 404 (`NR`), TLS and TCP connections are
//!   closed.
//! - A ServiceEntry that the gateway's routes forward to but that is not exported there
//!   leaves the gateway without the cluster: 503 (`NC`, cluster not found), or a closed
//!   connection for TLS and TCP. The cluster is named after the exact host, so entries
//!   declaring it exactly are judged when there are any; a visible wildcard entry does not
//!   stand in for them.
//! - A ServiceEntry hidden from a client namespace that the input shows sending traffic to
//!   the host (see [`Index::namespaces_reaching`]: a VirtualService or DestinationRule there,
//!   a gateway-subset DestinationRule there, a Sidecar importing the host by name) makes the
//!   host unknown to those sidecars: REGISTRY_ONLY answers 502 (BlackHoleCluster), ALLOW_ANY
//!   lets it leave through PassthroughCluster without the routes and DestinationRules for
//!   it. One case still works and is not reported: HTTP on port 80 routed through the
//!   gateway by a visible VirtualService (Istio gives VirtualService hosts without a service
//!   a virtual host on port 80).
//! - A VirtualService that detours a host through the gateway but is hidden from a client
//!   namespace that the input shows using the host (a gateway-subset DestinationRule there,
//!   a Sidecar importing it, the ServiceEntry exported there by name) leaves those sidecars
//!   without the detour: they send the host straight out, past the egress gateway.
//!
//! Namespaces where egress gateway pods run are judged only as gateways, never as clients.

use std::collections::BTreeSet;

use super::index::{MESH_GATEWAY, Reach, Reaching};
use super::routes::{RouteKind, routes};
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::{ServiceEntry, Spec, Text, VirtualService};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    gateways_see_their_configuration(index, findings);
    let gateway_namespaces: BTreeSet<String> = index
        .gateways()
        .map(|(_, gateway)| index.gateway_workload_namespace(gateway))
        .collect();
    clients_see_entries(index, &gateway_namespaces, findings);
    clients_see_detours(index, &gateway_namespaces, findings);
}

/// (a) The gateway's namespace sees the VirtualService bound to its Gateway and the
/// ServiceEntries its routes forward to.
fn gateways_see_their_configuration(index: &Index, findings: &mut Vec<Finding>) {
    for (vs_index, vs) in index.virtual_services() {
        let namespace = index.namespace(vs_index);
        for reference in index.bound_gateways(vs_index, vs) {
            if reference == MESH_GATEWAY {
                continue;
            }
            let Some((gateway_index, gateway)) = index.gateway(&reference) else {
                continue;
            };
            let gateway_namespace = index.gateway_workload_namespace(gateway);
            if !index.virtual_service_visible(vs_index, vs, &gateway_namespace) {
                findings.push(
                    Finding::new(
                        codes::HIDDEN_BY_EXPORT_TO,
                        vs_index,
                        format!(
                            "VirtualService is bound to Gateway {reference}, whose pods run in \
                             {gateway_namespace}, but its {} hides it from \
                             {gateway_namespace}: the gateway gets none of its routes, so {}",
                            export_text(
                                &vs.export_to,
                                &index.mesh.default_virtual_service_export_to
                            ),
                            symptom(
                                route_kinds(index, vs_index, vs, &reference),
                                &format!("requests for {} get 404 (NR)", vs.hosts.join(", ")),
                            )
                        ),
                    )
                    .related(gateway_index)
                    .help(format!(
                        "add `{gateway_namespace}` to the VirtualService's exportTo"
                    )),
                );
                continue;
            }
            for route in routes(vs) {
                if !index.route_applies(vs_index, vs, route.matches, &reference) {
                    continue;
                }
                let kinds = (route.kind == RouteKind::Http, route.kind != RouteKind::Http);
                for destination in &route.destinations {
                    let host = hosts::resolve(&destination.host, namespace);
                    if host.is_empty() {
                        continue;
                    }
                    // The gateway's cluster is named after the exact host: an entry that
                    // declares it is what counts; only without one do wildcards.
                    let exact = index.entries_for_host(&host);
                    let covering = if exact.is_empty() {
                        index.entries_covering(&host)
                    } else {
                        exact.to_vec()
                    };
                    if covering.is_empty()
                        || covering
                            .iter()
                            .any(|&e| visible(index, e, &gateway_namespace))
                    {
                        continue;
                    }
                    let entry_index = declaring(index, &host, &covering);
                    findings.push(
                        Finding::new(
                            codes::HIDDEN_BY_EXPORT_TO,
                            entry_index,
                            format!(
                                "ServiceEntry for {host} is not exported to \
                                 {gateway_namespace}, where the pods of Gateway {reference} \
                                 run, but VirtualService {} forwards the gateway's traffic to \
                                 {host}: the gateway has no cluster for it, so {}",
                                index.name(vs_index),
                                symptom(kinds, "requests fail with 503 (NC, cluster not found)")
                            ),
                        )
                        .related(vs_index)
                        .related(gateway_index)
                        .help(export_help(
                            index,
                            entry_index,
                            &gateway_namespace,
                        )),
                    );
                }
            }
        }
    }
}

/// (b) Client namespaces that send traffic to a host see a ServiceEntry for it.
fn clients_see_entries(
    index: &Index,
    gateway_namespaces: &BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    let declared: BTreeSet<String> = index
        .service_entries()
        .flat_map(|(i, entry)| {
            entry
                .hosts
                .iter()
                .map(move |h| hosts::resolve(h, index.namespace(i)))
        })
        .filter(|h| !h.is_empty() && h != "*")
        .collect();
    for host in &declared {
        let covering = index.entries_covering(host);
        let entry_index = declaring(index, host, &covering);
        for reaching in first_per_namespace(index.namespaces_reaching(host)) {
            let client = reaching.namespace;
            if reaching.reach == Reach::Declares
                || gateway_namespaces.contains(client)
                || covering.iter().any(|&e| visible(index, e, client))
                || port_80_detour(index, host, &covering, client)
            {
                continue;
            }
            findings.push(
                Finding::new(
                    codes::HIDDEN_BY_EXPORT_TO,
                    entry_index,
                    format!(
                        "ServiceEntry for {host} is not exported to namespace {client}, \
                         although {}: sidecars in {client} do not know {host}, so with \
                         REGISTRY_ONLY requests fail with 502 (BlackHoleCluster), and with \
                         ALLOW_ANY they leave through PassthroughCluster without the routes \
                         and DestinationRules for {host}",
                        reaching.describe(index, host)
                    ),
                )
                .related(reaching.resource)
                .help(export_help(index, entry_index, client)),
            );
        }
    }
}

/// (b) Client namespaces that use a host see the VirtualService that detours it through
/// the egress gateway.
fn clients_see_detours(
    index: &Index,
    gateway_namespaces: &BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    for (vs_index, vs) in index.virtual_services() {
        let vs_hosts = super::hops::vs_hosts(index, vs_index, vs);
        let Some(detour) = detour_destination(index, vs_index, vs, &vs_hosts) else {
            continue;
        };
        for host in &vs_hosts {
            for reaching in first_per_namespace(index.namespaces_reaching(host)) {
                let client = reaching.namespace;
                if reaching.reach == Reach::Routes
                    || gateway_namespaces.contains(client)
                    || index.virtual_service_visible(vs_index, vs, client)
                    || other_mesh_route(index, vs_index, host, client)
                {
                    continue;
                }
                let known = index
                    .entries_covering(host)
                    .iter()
                    .any(|&e| visible(index, e, client));
                let outcome = if known {
                    format!(
                        "they send {host} straight out, past the egress gateway (no egress \
                         control, no gateway policy)"
                    )
                } else {
                    format!("they have no route for {host} at all")
                };
                findings.push(
                    Finding::new(
                        codes::HIDDEN_BY_EXPORT_TO,
                        vs_index,
                        format!(
                            "VirtualService detours {host} to {detour}, but its {} hides it \
                             from namespace {client}, although {}: sidecars in {client} never \
                             see the detour, so {outcome}",
                            export_text(
                                &vs.export_to,
                                &index.mesh.default_virtual_service_export_to
                            ),
                            reaching.describe(index, host)
                        ),
                    )
                    .related(reaching.resource)
                    .help(format!(
                        "add `{client}` to the VirtualService's exportTo, or give {client} a \
                         VirtualService of its own for {host}"
                    )),
                );
            }
        }
    }
}

fn entry<'a>(index: &Index<'a>, i: usize) -> Option<&'a ServiceEntry> {
    match &index.manifests[i].spec {
        Spec::ServiceEntry(entry) => Some(entry),
        _ => None,
    }
}

fn visible(index: &Index, entry_index: usize, viewer: &str) -> bool {
    entry(index, entry_index).is_some_and(|e| index.entry_visible(entry_index, e, viewer))
}

/// The entry to report for a host: one that declares it exactly, else the first covering.
fn declaring(index: &Index, host: &str, covering: &[usize]) -> usize {
    index
        .entries_for_host(host)
        .first()
        .or_else(|| covering.first())
        .copied()
        .unwrap_or_default()
}

/// The strongest piece of evidence for each namespace (the order of [`Reach`]).
fn first_per_namespace(mut reaching: Vec<Reaching>) -> Vec<Reaching> {
    reaching.sort_by(|a, b| {
        (&a.namespace, a.reach, a.resource).cmp(&(&b.namespace, b.reach, b.resource))
    });
    reaching.dedup_by(|a, b| a.namespace == b.namespace);
    reaching
}

fn export_help(index: &Index, entry_index: usize, viewer: &str) -> String {
    if index.namespace(entry_index) == viewer {
        format!("add `.` (or `{viewer}`) to the ServiceEntry's exportTo")
    } else {
        format!("add `{viewer}` to the ServiceEntry's exportTo")
    }
}

/// Where a VirtualService's `mesh` routes send its hosts when that is somewhere else (the
/// egress gateway): the first such destination host.
fn detour_destination(
    index: &Index,
    vs_index: usize,
    vs: &VirtualService,
    vs_hosts: &[String],
) -> Option<String> {
    let namespace = index.namespace(vs_index);
    routes(vs)
        .iter()
        .filter(|route| index.route_applies(vs_index, vs, route.matches, MESH_GATEWAY))
        .flat_map(|route| route.destinations.iter())
        .map(|d| hosts::resolve(&d.host, namespace))
        .find(|d| !d.is_empty() && !vs_hosts.iter().any(|h| hosts::intersect(h, d)))
}

/// Does another VirtualService visible to `client` route `host` for its sidecars?
fn other_mesh_route(index: &Index, vs_index: usize, host: &str, client: &str) -> bool {
    index.virtual_services().any(|(i, vs)| {
        i != vs_index
            && index.virtual_service_visible(i, vs, client)
            && vs
                .hosts
                .iter()
                .any(|h| hosts::intersect(&hosts::resolve(h, index.namespace(i)), host))
            && index.has_mesh_route(i, vs)
    })
}

/// HTTP on port 80 through the gateway works without the ServiceEntry: Istio gives the hosts
/// of a VirtualService that match no service a virtual host on port 80. True when every
/// port declared for the host is HTTP on 80 and a VirtualService visible to `client` sends
/// the host's `mesh` HTTP traffic somewhere else (the gateway), and nowhere to the host.
fn port_80_detour(index: &Index, host: &str, covering: &[usize], client: &str) -> bool {
    let only_http_80 = covering
        .iter()
        .filter_map(|&i| entry(index, i))
        .flat_map(|e| &e.ports)
        .all(|p| {
            p.number == 80
                && p.protocol.as_deref().is_some_and(|protocol| {
                    ["HTTP", "HTTP2", "GRPC", "GRPC-WEB"]
                        .iter()
                        .any(|h| protocol.eq_ignore_ascii_case(h))
                })
        });
    only_http_80
        && index.virtual_services().any(|(i, vs)| {
            let namespace = index.namespace(i);
            let vs_hosts = super::hops::vs_hosts(index, i, vs);
            index.virtual_service_visible(i, vs, client)
                && vs_hosts.iter().any(|h| hosts::intersect(h, host))
                && !vs.http.is_empty()
                && routes(vs)
                    .iter()
                    .filter(|r| index.route_applies(i, vs, r.matches, MESH_GATEWAY))
                    .all(|r| {
                        r.destinations
                            .iter()
                            .all(|d| !hosts::intersect(&hosts::resolve(&d.host, namespace), host))
                    })
                && detour_destination(index, i, vs, &vs_hosts).is_some()
        })
}

/// Which kinds of route of the VirtualService apply to `gateway`: (http, tls or tcp).
fn route_kinds(index: &Index, i: usize, vs: &VirtualService, gateway: &str) -> (bool, bool) {
    let applying: Vec<RouteKind> = routes(vs)
        .iter()
        .filter(|r| index.route_applies(i, vs, r.matches, gateway))
        .map(|r| r.kind)
        .collect();
    (
        applying.contains(&RouteKind::Http),
        applying.iter().any(|k| *k != RouteKind::Http),
    )
}

/// What the client sees: `http` for HTTP routes, a closed connection for TLS and TCP.
fn symptom((http, stream): (bool, bool), http_text: &str) -> String {
    match (http, stream) {
        (true, true) => format!("{http_text}, and TLS/TCP connections are closed"),
        (false, true) => "connections through the gateway are closed".to_owned(),
        _ => http_text.to_owned(),
    }
}

/// "exportTo [., ns]", or the mesh default when the resource sets none.
fn export_text(export_to: &[Text], default: &[Text]) -> String {
    if export_to.is_empty() {
        format!("mesh-default exportTo [{}]", default.join(", "))
    } else {
        format!("exportTo [{}]", export_to.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::rules::tests::run_rule(check, yaml)
    }

    /// A Gateway in istio-system forwarding to www.wikipedia.org, with the given entries.
    fn gateway_to_wikipedia(entries: &str) -> String {
        format!(
            r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: egress, namespace: istio-system}}
spec:
  selector: {{istio: egressgateway}}
  servers: [{{port: {{number: 443, name: tls, protocol: TLS}}, hosts: ['*.wikipedia.org'], tls: {{mode: PASSTHROUGH}}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: wikipedia, namespace: istio-system}}
spec:
  hosts: ['*.wikipedia.org']
  gateways: [egress]
  tls:
  - match: [{{port: 443, sniHosts: ['*.wikipedia.org']}}]
    route: [{{destination: {{host: www.wikipedia.org, port: {{number: 443}}}}}}]
{entries}"
        )
    }

    const WILDCARD_EVERYWHERE: &str = r"---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: wikipedia, namespace: web}
spec:
  hosts: ['*.wikipedia.org']
  ports: [{number: 443, name: tls, protocol: TLS}]
";

    const WWW_IN_WEB_ONLY: &str = r"---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: www-wikipedia, namespace: web}
spec:
  hosts: [www.wikipedia.org]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
  exportTo: ['.']
";

    #[test]
    fn a_visible_wildcard_does_not_stand_in_for_a_hidden_exact_entry() {
        let both = gateway_to_wikipedia(&format!("{WILDCARD_EVERYWHERE}{WWW_IN_WEB_ONLY}"));
        let found = findings(&both);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("ServiceEntry for www.wikipedia.org")
        );
        // Without an exact entry, the visible wildcard is what the gateway has.
        assert!(findings(&gateway_to_wikipedia(WILDCARD_EVERYWHERE)).is_empty());
    }

    #[test]
    fn the_mesh_default_export_is_named_when_a_resource_sets_none() {
        assert_eq!(export_text(&[], &["*".into()]), "mesh-default exportTo [*]");
        assert_eq!(export_text(&[".".into()], &[]), "exportTo [.]");
    }
}
