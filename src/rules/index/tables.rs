//! [`Index`]'s tables by host and by name, and the namespaces the input knows: what
//! [`Index::new`] builds, side by side, before any rule asks.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt, HashSet};

use super::Index;
use crate::manifest::Text;
use crate::rules::host_map::HostMap;
use crate::rules::hosts;

/// [`Index`]'s tables by host ([`Index::host_tables`]).
#[derive(Default)]
pub(super) struct HostTables<'a> {
    /// ServiceEntries by resolved host.
    pub(super) entry_hosts: HostMap<'a, usize>,
    /// VirtualServices by resolved host.
    pub(super) virtual_service_hosts: HostMap<'a, usize>,
    /// DestinationRules by resolved host.
    pub(super) rule_hosts: HostMap<'a, usize>,
    /// DestinationRules without `workloadSelector`, by namespace, then resolved host: where
    /// [`Index::destination_rules_for`] looks.
    pub(super) namespace_rules: HashMap<String, HostMap<'a, usize>>,
    /// Gateway servers, as (Gateway, position in its `servers`), by server host (without
    /// its `namespace/` part).
    pub(super) server_hosts: HostMap<'a, (usize, usize)>,
}

/// [`Index`]'s tables by name ([`Index::name_tables`]).
#[derive(Default)]
pub(super) struct NameTables {
    /// Gateways by `namespace/name` (the first, as a scan would find).
    pub(super) gateways_by_reference: HashMap<String, usize>,
    /// Gateways by address: the position of a `&Gateway` a caller hands in.
    pub(super) gateway_positions: HashMap<usize, usize>,
    /// Services by namespace, then name (the first, as a scan would find).
    pub(super) services_by_name: HashMap<String, HashMap<String, usize>>,
    /// Services by the labels of their selector (key, then value), in input order.
    pub(super) services_by_label: HashMap<String, HashMap<String, Vec<usize>>>,
    /// VirtualServices by the gateway references they bind (`mesh` for none), in input
    /// order.
    pub(super) virtual_services_by_gateway: HashMap<String, Vec<usize>>,
    /// The gateway references each VirtualService binds ([`Index::bound_gateways`]), by its
    /// position in the input (empty for other kinds).
    pub(super) bound_references: Vec<Vec<String>>,
}

impl<'a> Index<'a> {
    /// The tables by host: ServiceEntries, VirtualServices and DestinationRules by resolved
    /// host, Gateway servers by server host.
    pub(super) fn host_tables(&self) -> HostTables<'a> {
        // The tables borrow the hosts as written from the input where they can: most are
        // FQDNs, and a copy of each in every table would be most of the tables.
        let mut entry_hosts = HostMap::default();
        for (i, entry) in self.service_entries() {
            let namespace = self.namespace(i);
            for host in &entry.hosts {
                entry_hosts.insert(hosts::resolve_borrowed(host, namespace), i);
            }
        }
        let mut virtual_service_hosts = HostMap::default();
        for (i, vs) in self.virtual_services() {
            let namespace = self.namespace(i);
            for host in vs.hosts.iter().filter(|h| !h.is_empty()) {
                virtual_service_hosts.insert(hosts::resolve_borrowed(host, namespace), i);
            }
        }
        let mut rule_hosts = HostMap::default();
        let mut namespace_rules: HashMap<String, HostMap<usize>> = HashMap::new();
        for (i, rule) in self.destination_rules() {
            let namespace = self.namespace(i);
            let host = hosts::resolve_borrowed(&rule.host, namespace);
            if rule.workload_selector.is_none() {
                let rules = match namespace_rules.get_mut(namespace) {
                    Some(rules) => rules,
                    None => namespace_rules.entry(namespace.to_owned()).or_default(),
                };
                rules.insert(host.clone(), i);
            }
            rule_hosts.insert(host, i);
        }
        let mut server_hosts = HostMap::default();
        for (g, gateway) in self.gateways() {
            for (position, server) in gateway.servers.iter().enumerate() {
                for host in &server.hosts {
                    server_hosts.insert(crate::rules::hops::server_host(host), (g, position));
                }
            }
        }
        HostTables {
            entry_hosts,
            virtual_service_hosts,
            rule_hosts,
            namespace_rules,
            server_hosts,
        }
    }

    /// The tables by name: Gateways, Services, and VirtualServices by bound gateway.
    pub(super) fn name_tables(&self) -> NameTables {
        let mut gateways_by_reference = HashMap::new();
        let mut gateway_positions = HashMap::new();
        for (i, gateway) in self.gateways() {
            let reference = self.qualified_name(i);
            gateways_by_reference.entry(reference).or_insert(i);
            gateway_positions.insert(std::ptr::from_ref(gateway).addr(), i);
        }
        let mut services_by_name: HashMap<String, HashMap<String, usize>> = HashMap::new();
        let mut services_by_label: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, service) in self.services() {
            services_by_name
                .entry(self.namespace(i).to_owned())
                .or_default()
                .entry(self.name(i).to_owned())
                .or_insert(i);
            for (key, value) in &service.selector {
                services_by_label
                    .entry(key.to_string())
                    .or_default()
                    .entry(value.to_string())
                    .or_default()
                    .push(i);
            }
        }
        let mut virtual_services_by_gateway: HashMap<String, Vec<usize>> = HashMap::new();
        let mut bound_references = vec![Vec::new(); self.manifests.len()];
        for (i, vs) in self.virtual_services() {
            let bound = self.resolve_bound_gateways(i, vs);
            let mut distinct = bound.clone();
            distinct.sort_unstable();
            distinct.dedup();
            for reference in distinct {
                virtual_services_by_gateway
                    .entry(reference)
                    .or_default()
                    .push(i);
            }
            bound_references[i] = bound;
        }
        NameTables {
            gateways_by_reference,
            gateway_positions,
            services_by_name,
            services_by_label,
            virtual_services_by_gateway,
            bound_references,
        }
    }

    pub(super) fn collect_known_namespaces(&self) -> BTreeSet<String> {
        // Tens of thousands of resources live in a few namespaces: dedupe them in a hash
        // set, and sort only the distinct ones.
        let mut namespaces: HashSet<&str> = (0..self.manifests.len())
            .map(|i| self.namespace(i))
            .collect();
        namespaces.insert(&self.mesh.root_namespace);
        for (_, entry) in self.service_entries() {
            namespaces.extend(entry.export_to.iter().map(Text::as_str));
        }
        for (_, service) in self.virtual_services() {
            namespaces.extend(service.export_to.iter().map(Text::as_str));
        }
        for (_, rule) in self.destination_rules() {
            namespaces.extend(rule.export_to.iter().map(Text::as_str));
        }
        namespaces.retain(|n| !matches!(*n, "." | "*" | "~"));
        namespaces
            .into_iter()
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
    }
}
