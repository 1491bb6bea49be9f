//! The gateway legs: every mesh hop into a server of a Gateway in the input, with the
//! sidecars that take it and the TLS their DestinationRules make them send. Several rules
//! judge the same legs, so [`Index::gateway_legs`] finds them once.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::{
    ClientTlsSetting, MergedRules, RouteAt, SubsetDefiners, bound_gateways, destination_host,
    points_at_gateway_unless, routes_at, server_port, serving_positions, vs_hosts,
};
use crate::manifest::{Destination, Server, Spec, Text, VirtualService};
use crate::rules::Index;
use crate::rules::index::MESH_GATEWAY;

/// The namespaces whose sidecars a mesh-bound VirtualService routes, as far as the input
/// tells: its own, the namespaces its `exportTo` names, and, when it is exported everywhere,
/// the namespaces that hold a DestinationRule for `host` (someone configured clients
/// there; the egress-gateway recipes copy the gateway's DestinationRule into each client
/// namespace).
pub fn client_namespaces(index: &Index, i: usize, vs: &VirtualService, host: &str) -> Vec<String> {
    client_namespaces_among(index, i, vs, &rule_namespaces(index, host))
}

/// [`client_namespaces`], given the namespaces that hold a DestinationRule for the host
/// ([`rule_namespaces`]).
fn client_namespaces_among(
    index: &Index,
    i: usize,
    vs: &VirtualService,
    rule_namespaces: &[String],
) -> Vec<String> {
    let mut candidates: Vec<&str> = vec![index.namespace(i)];
    let export_to: &[Text] = if vs.export_to.is_empty() {
        &index.mesh.default_virtual_service_export_to
    } else {
        &vs.export_to
    };
    for to in export_to {
        match to.as_str() {
            "." | "~" | "" => {}
            "*" => candidates.extend(rule_namespaces.iter().map(String::as_str)),
            namespace => candidates.push(namespace),
        }
    }
    // Each namespace once, where it first appears (a set: the recipes put a copy of the
    // gateway's DestinationRule in every client namespace, which may be hundreds).
    let mut seen = HashSet::with_capacity(candidates.len());
    candidates
        .into_iter()
        .filter(|n| seen.insert(*n) && index.virtual_service_visible(i, vs, n))
        .map(str::to_owned)
        .collect()
}

/// The namespaces that hold a DestinationRule for `host` (one that applies to every
/// workload, no `workloadSelector`), in the order of their first such rule.
fn rule_namespaces(index: &Index, host: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for r in index.destination_rules_covering(host) {
        let Spec::DestinationRule(rule) = &index.manifests[r].spec else {
            continue;
        };
        let namespace = index.namespace(r);
        if rule.workload_selector.is_none() && seen.insert(namespace) {
            out.push(namespace.to_owned());
        }
    }
    out
}

/// One mesh hop into a Gateway server: a mesh route of VirtualService `vs` sends traffic to
/// the Service in front of Gateway `gateway` on `port`, where `server` listens for one of
/// the VirtualService's hosts.
#[derive(Clone, Debug)]
pub struct GatewayLeg<'a> {
    pub vs: usize,
    pub virtual_service: &'a VirtualService,
    pub route: RouteAt<'a>,
    pub destination: &'a Destination,
    /// The gateway Service host (resolved; borrowed when written in full, as it mostly is).
    pub host: Cow<'a, str>,
    pub port: u32,
    pub gateway: usize,
    pub server: &'a Server,
    /// The sidecars that take the hop ([`client_namespaces`]), with the TLS their
    /// DestinationRules make them send.
    pub clients: Vec<LegClient<'a>>,
}

impl GatewayLeg<'_> {
    /// The leg's Gateway as `namespace/name`, for messages: made when asked, not held by
    /// each of thousands of legs.
    pub fn reference(&self, index: &Index) -> String {
        index.qualified_name(self.gateway)
    }
}

/// The sidecars of one namespace taking a gateway leg.
#[derive(Clone, Debug)]
pub struct LegClient<'a> {
    pub namespace: String,
    /// The first of the DestinationRules that apply to them for the leg's host
    /// ([`Index::destination_rules_for`]), if any.
    pub rule: Option<usize>,
    /// What those rules say about TLS toward the leg's port and subset
    /// ([`MergedRules::client_tls`]).
    pub tls: ClientTlsSetting<'a>,
}

/// Every mesh hop that reaches a server of a Gateway in the input: a mesh route whose
/// destination is the Service in front of the Gateway's pods ([`super::points_at_gateway`]), on a
/// port where the Gateway has a server for one of the VirtualService's hosts. The Gateway
/// need not be bound by the same VirtualService: the mesh hop and the gateway hop are often
/// split into two. Found once per input, for [`Index::gateway_legs`] to lend, in the order
/// of VirtualService, Gateway, route, destination and server.
pub(in crate::rules) fn find_gateway_legs<'a>(index: &Index<'a>) -> Vec<GatewayLeg<'a>> {
    // One thread: the recipes send every mesh hop to one gateway Service, and the lookups
    // for it (`clients`), kept across VirtualServices, are most of the work.
    let mut clients = ClientLookups::new(index);
    let mut legs = Vec::new();
    for (i, vs) in index.virtual_services() {
        legs_of(index, i, vs, &mut clients, &mut legs);
    }
    // Held while the rules run: without the room the list grew into.
    legs.shrink_to_fit();
    legs
}

/// The legs of VirtualService `i`, in the order of Gateway, route, destination and server.
fn legs_of<'a>(
    index: &Index<'a>,
    i: usize,
    vs: &'a VirtualService,
    clients: &mut ClientLookups<'_, 'a>,
    legs: &mut Vec<GatewayLeg<'a>>,
) {
    let mesh_routes = routes_at(index, i, vs, MESH_GATEWAY);
    if mesh_routes.is_empty() {
        return;
    }
    let own_hosts = vs_hosts(index, i, vs);
    // Only a Gateway with a server for one of the VirtualService's hosts takes its hop.
    let serving = index.servers_serving(&own_hosts);
    let mut candidates: Vec<usize> = serving.iter().map(|&(g, _)| g).collect();
    candidates.dedup();
    let bound = bound_gateways(index, i, vs);
    for gateway_index in candidates {
        let Spec::Gateway(gateway) = &index.manifests[gateway_index].spec else {
            continue;
        };
        let reference = index.qualified_name(gateway_index);
        let mut gateway_destinations = Vec::new();
        if bound.iter().any(|(r, _)| *r == reference) {
            for route in routes_at(index, i, vs, &reference) {
                for d in &route.route.destinations {
                    gateway_destinations.extend(destination_host(index, i, d).map(Cow::into_owned));
                }
            }
        }
        let not_gateway: HashSet<&str> = own_hosts
            .iter()
            .chain(&gateway_destinations)
            .map(String::as_str)
            .collect();
        for route in &mesh_routes {
            for destination in &route.route.destinations {
                let Some(host) = destination_host(index, i, destination) else {
                    continue;
                };
                let not_gateway = |h: &str| not_gateway.contains(h);
                if !points_at_gateway_unless(index, Some(gateway), &host, not_gateway) {
                    continue;
                }
                let Some(port) = route.destination_port(destination) else {
                    continue;
                };
                for position in serving_positions(&serving, gateway_index) {
                    let server = &gateway.servers[position];
                    if server_port(server) == Some(port) {
                        legs.push(GatewayLeg {
                            vs: i,
                            virtual_service: vs,
                            route: route.clone(),
                            destination,
                            host: host.clone(),
                            port,
                            gateway: gateway_index,
                            server,
                            clients: clients.of(i, vs, &host, destination, port),
                        });
                    }
                }
            }
        }
    }
}

/// The DestinationRule lookups for the clients of gateway legs, each done once: the egress
/// recipes send every mesh hop to one gateway Service, which has a rule per host.
struct ClientLookups<'i, 'a> {
    index: &'i Index<'a>,
    /// By host: [`rule_namespaces`], and the subsets of every rule that may apply to it.
    hosts: HashMap<String, HostLookups<'a>>,
}

/// What [`ClientLookups`] keeps for one host.
struct HostLookups<'a> {
    rule_namespaces: Vec<String>,
    definers: SubsetDefiners<'a>,
    /// The merged [`Index::destination_rules_for`] by client namespace.
    rules: HashMap<String, MergedRules<'a>>,
}

impl<'a> ClientLookups<'_, 'a> {
    fn new<'i>(index: &'i Index<'a>) -> ClientLookups<'i, 'a> {
        ClientLookups {
            index,
            hosts: HashMap::new(),
        }
    }

    /// The clients of a leg of VirtualService `i` to `host` (`destination`) on `port`.
    fn of(
        &mut self,
        i: usize,
        vs: &VirtualService,
        host: &str,
        destination: &Destination,
        port: u32,
    ) -> Vec<LegClient<'a>> {
        let index = self.index;
        let lookups = self
            .hosts
            .entry(host.to_owned())
            .or_insert_with(|| HostLookups {
                rule_namespaces: rule_namespaces(index, host),
                definers: SubsetDefiners::new(index, &index.destination_rules_covering(host)),
                rules: HashMap::new(),
            });
        let namespaces = client_namespaces_among(index, i, vs, &lookups.rule_namespaces);
        namespaces
            .into_iter()
            .map(|namespace| {
                if !lookups.rules.contains_key(&namespace) {
                    let merged =
                        MergedRules::new(index, index.destination_rules_for(&namespace, host));
                    lookups.rules.insert(namespace.clone(), merged);
                }
                let rules = &lookups.rules[&namespace];
                LegClient {
                    rule: rules.rules.first().copied(),
                    tls: rules.client_tls(&lookups.definers, destination.subset.as_deref(), port),
                    namespace,
                }
            })
            .collect()
    }
}
