//! What the rules look things up in: the manifests by kind, namespaces, `exportTo`
//! visibility, gateway references and the DestinationRule lookup, each resolved the way
//! Istio resolves it. Rules ask the index; they never re-implement a lookup, so one reading
//! of Istio's behaviour serves every rule.
//!
//! This file holds the index itself (its tables, built once in [`Index::new`] by
//! `tables.rs`, and the manifests by kind, hosts and services); the questions it answers
//! live beside it:
//! `export.rs` (`exportTo`), `gateways.rs` (references, routes at a gateway, gateway Services),
//! `destination_rules.rs` (Istio's DestinationRule lookup) and `reach.rs` (which namespaces
//! send traffic to a host).
//!
//! Rules ask per route, per host or per rule, so every lookup is a table built once (in
//! [`Index::new`], or on first use) rather than a scan of the input: the rules' cost grows
//! with the size of the input, not with its square.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use foldhash::HashMap;

mod destination_rules;
mod export;
mod gateways;
mod reach;
mod tables;

pub use export::ExportScope;
use reach::ReachIndex;
pub use reach::{Reach, Reaching};
use tables::{HostTables, NameTables};

use super::hops::GatewayLeg;
use super::hosts;
use crate::manifest::{
    AuthorizationPolicy, DestinationRule, Gateway, HttpRouteSpec, KnownKind, Manifest, MeshConfig,
    NetworkPolicy, Service, ServiceEntry, Sidecar, Spec, Text, VirtualService,
};

/// Istio's config root namespace unless the mesh config says otherwise.
pub const DEFAULT_ROOT_NAMESPACE: &str = "istio-system";

/// The name a VirtualService uses for the sidecars of the mesh.
pub const MESH_GATEWAY: &str = "mesh";

/// The mesh-wide settings the rules depend on.
#[derive(Clone, Debug)]
pub struct MeshSettings {
    pub root_namespace: String,
    /// `outboundTrafficPolicy.mode` and the manifest that set it; `None` when the input has
    /// no mesh config (the rules then do not guess).
    pub outbound_mode: Option<(String, Option<usize>)>,
    /// DNS capture with auto-allocation: Istio gives address-less ServiceEntries an address.
    pub dns_auto_allocate: bool,
    pub default_service_export_to: Vec<Text>,
    pub default_virtual_service_export_to: Vec<Text>,
    pub default_destination_rule_export_to: Vec<Text>,
}

impl Default for MeshSettings {
    fn default() -> MeshSettings {
        MeshSettings {
            root_namespace: DEFAULT_ROOT_NAMESPACE.to_owned(),
            outbound_mode: None,
            dns_auto_allocate: false,
            default_service_export_to: vec![Text::const_new("*")],
            default_virtual_service_export_to: vec![Text::const_new("*")],
            default_destination_rule_export_to: vec![Text::const_new("*")],
        }
    }
}

impl MeshSettings {
    /// Applies a MeshConfig on top of the defaults; `source` is the manifest it came from
    /// (`None` for a `--mesh-config` file).
    pub fn apply(&mut self, mesh: &MeshConfig, source: Option<usize>) {
        if let Some(root) = &mesh.root_namespace {
            self.root_namespace = root.to_string();
        }
        let mode = mesh
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode.as_deref())
            .unwrap_or("ALLOW_ANY")
            .to_owned();
        self.outbound_mode = Some((mode, source));
        if let Some(config) = &mesh.default_config {
            let on = |key: &str| config.proxy_metadata.get(key).is_some_and(|v| v == "true");
            self.dns_auto_allocate =
                on("ISTIO_META_DNS_CAPTURE") && on("ISTIO_META_DNS_AUTO_ALLOCATE");
        }
        for (target, given) in [
            (
                &mut self.default_service_export_to,
                &mesh.default_service_export_to,
            ),
            (
                &mut self.default_virtual_service_export_to,
                &mesh.default_virtual_service_export_to,
            ),
            (
                &mut self.default_destination_rule_export_to,
                &mesh.default_destination_rule_export_to,
            ),
        ] {
            if !given.is_empty() {
                *target = given.to_vec();
            }
        }
    }
}

/// Everything the rules read, indexed.
pub struct Index<'a> {
    pub manifests: &'a [Manifest],
    pub mesh: MeshSettings,
    /// The namespace of resources that name none (what `kubectl apply` would use).
    pub default_namespace: &'a str,
    by_kind: BTreeMap<KnownKind, Vec<usize>>,
    // The lookup tables are built once, so that a rule asking about every route or host
    // does not scan the whole input for each (which made the rules quadratic).
    hosts: HostTables<'a>,
    names: NameTables,
    known_namespaces: BTreeSet<String>,
    /// Per Gateway: the namespace of the Service its mesh hops route to, computed on first
    /// use.
    mesh_hop_namespaces: OnceLock<HashMap<usize, String>>,
    /// [`Index::gateway_workload_namespace`] by the address of the Gateway, computed on
    /// first use.
    workload_namespaces: OnceLock<HashMap<usize, String>>,
    /// The gateway legs of `hops::find_gateway_legs`, computed on first use.
    gateway_legs: OnceLock<Vec<GatewayLeg<'a>>>,
    /// Every piece of evidence that a namespace reaches a host, by the host (or wildcard)
    /// it names; built on first use by [`Index::namespaces_reaching`].
    reaching: OnceLock<ReachIndex<'a>>,
}

impl<'a> Index<'a> {
    pub fn new(
        manifests: &'a [Manifest],
        default_namespace: &'a str,
        mesh_file: Option<&MeshConfig>,
    ) -> Index<'a> {
        let mut by_kind: BTreeMap<KnownKind, Vec<usize>> = BTreeMap::new();
        let mut mesh = MeshSettings::default();
        for (i, manifest) in manifests.iter().enumerate() {
            by_kind.entry(manifest.kind()).or_default().push(i);
            if let Spec::MeshConfig(_, Some(config)) = &manifest.spec {
                mesh.apply(config, Some(i));
            }
        }
        if let Some(config) = mesh_file {
            mesh.apply(config, None);
        }
        let mut index = Index {
            manifests,
            mesh,
            default_namespace,
            by_kind,
            hosts: HostTables::default(),
            names: NameTables::default(),
            known_namespaces: BTreeSet::new(),
            mesh_hop_namespaces: OnceLock::new(),
            workload_namespaces: OnceLock::new(),
            gateway_legs: OnceLock::new(),
            reaching: OnceLock::new(),
        };
        // The tables read only the input, not each other: built side by side.
        let (hosts, (names, known_namespaces)) = crate::parallel::join(
            || index.host_tables(),
            || (index.name_tables(), index.collect_known_namespaces()),
        );
        index.hosts = hosts;
        index.names = names;
        index.known_namespaces = known_namespaces;
        index
    }

    /// Builds the tables that several rules share, side by side, before the rules run: the
    /// first rule to ask for one would otherwise build it while the rules on the other cores
    /// that need it wait.
    pub fn build_shared_tables(&self) {
        crate::parallel::join(
            || self.gateway_legs().len(),
            || {
                self.workload_namespaces();
                self.reach_index();
            },
        );
    }

    /// The namespace a resource lives in.
    pub fn namespace(&self, i: usize) -> &'a str {
        self.manifests[i]
            .id
            .namespace
            .as_deref()
            .unwrap_or(self.default_namespace)
    }

    pub fn name(&self, i: usize) -> &str {
        &self.manifests[i].id.name
    }

    /// `namespace/name` of a resource: how a Gateway is referenced.
    pub fn qualified_name(&self, i: usize) -> String {
        [self.namespace(i), "/", self.name(i)].concat()
    }

    fn of_kind(&self, kind: KnownKind) -> impl Iterator<Item = usize> + '_ {
        self.by_kind.get(&kind).into_iter().flatten().copied()
    }

    pub fn service_entries(&self) -> impl Iterator<Item = (usize, &'a ServiceEntry)> + '_ {
        self.of_kind(KnownKind::ServiceEntry)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::ServiceEntry(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn gateways(&self) -> impl Iterator<Item = (usize, &'a Gateway)> + '_ {
        self.of_kind(KnownKind::Gateway)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::Gateway(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn virtual_services(&self) -> impl Iterator<Item = (usize, &'a VirtualService)> + '_ {
        self.of_kind(KnownKind::VirtualService)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::VirtualService(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn destination_rules(&self) -> impl Iterator<Item = (usize, &'a DestinationRule)> + '_ {
        self.of_kind(KnownKind::DestinationRule)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::DestinationRule(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn sidecars(&self) -> impl Iterator<Item = (usize, &'a Sidecar)> + '_ {
        self.of_kind(KnownKind::Sidecar)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::Sidecar(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn authorization_policies(
        &self,
    ) -> impl Iterator<Item = (usize, &'a AuthorizationPolicy)> + '_ {
        self.of_kind(KnownKind::AuthorizationPolicy)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::AuthorizationPolicy(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn network_policies(&self) -> impl Iterator<Item = (usize, &'a NetworkPolicy)> + '_ {
        self.of_kind(KnownKind::NetworkPolicy)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::NetworkPolicy(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn services(&self) -> impl Iterator<Item = (usize, &'a Service)> + '_ {
        self.of_kind(KnownKind::Service)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::Service(s) => Some((i, &**s)),
                _ => None,
            })
    }

    pub fn http_routes(&self) -> impl Iterator<Item = (usize, &'a HttpRouteSpec)> + '_ {
        self.of_kind(KnownKind::HttpRoute)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::HttpRoute(s) => Some((i, &**s)),
                _ => None,
            })
    }

    /// Every namespace the input names: where resources live and where they export to.
    pub fn known_namespaces(&self) -> BTreeSet<&str> {
        self.known_namespaces.iter().map(String::as_str).collect()
    }

    // -----------------------------------------------------------------------------------
    // Hosts and services
    // -----------------------------------------------------------------------------------

    /// ServiceEntries that declare exactly this (resolved) host.
    pub fn entries_for_host(&self, host: &str) -> &[usize] {
        self.hosts.entry_hosts.exact(host)
    }

    /// ServiceEntries whose hosts cover this host (exactly or by wildcard), in input order.
    pub fn entries_covering(&self, host: &str) -> Vec<usize> {
        self.hosts.entry_hosts.covering(host)
    }

    /// ServiceEntries with a host that has a name in common with this host (either may be a
    /// wildcard), in input order.
    pub fn entries_intersecting(&self, host: &str) -> Vec<usize> {
        self.hosts.entry_hosts.intersecting(host)
    }

    /// VirtualServices with a (resolved) host that has a name in common with this host
    /// (either may be a wildcard), in input order.
    pub fn virtual_services_intersecting(&self, host: &str) -> Vec<usize> {
        self.hosts.virtual_service_hosts.intersecting(host)
    }

    /// DestinationRules whose (resolved) host covers this host, exactly or by wildcard, in
    /// input order; wherever they live and whatever they select.
    pub fn destination_rules_covering(&self, host: &str) -> Vec<usize> {
        self.hosts.rule_hosts.covering(host)
    }

    /// The Gateway servers that serve one of these (resolved) hosts
    /// ([`super::hops::serves_any`]), as (Gateway, position in its `servers`), sorted.
    pub fn servers_serving(&self, hosts_: &[impl AsRef<str>]) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> = hosts_
            .iter()
            .flat_map(|h| self.hosts.server_hosts.intersecting(h.as_ref()))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The Kubernetes Service with this cluster FQDN, if the input has it.
    pub fn service_for_host(&self, host: &str) -> Option<usize> {
        let (name, namespace) = hosts::cluster_service(host)?;
        self.names
            .services_by_name
            .get(namespace)?
            .get(name)
            .copied()
    }

    /// The namespace of the service behind a host: the ServiceEntry's, or the namespace in a
    /// cluster FQDN.
    pub fn service_namespace<'h>(&'h self, host: &'h str) -> Option<&'h str> {
        if let Some(&entry) = self.entries_for_host(host).first() {
            return Some(self.namespace(entry));
        }
        hosts::cluster_service(host).map(|(_, namespace)| namespace)
    }
}
