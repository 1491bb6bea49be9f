//! What the rules look things up in: the manifests by kind, namespaces, `exportTo`
//! visibility, gateway references and the DestinationRule lookup, each resolved the way
//! Istio resolves it. Rules ask the index; they never re-implement a lookup, so one reading
//! of Istio's behaviour serves every rule.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use super::hops::GatewayLeg;
use super::host_map::HostMap;
use super::hosts;
use crate::manifest::{
    AuthorizationPolicy, DestinationRule, Gateway, HttpRouteSpec, KnownKind, Manifest, MeshConfig,
    RouteMatch, Service, ServiceEntry, Sidecar, Spec, VirtualService,
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
    pub default_service_export_to: Vec<String>,
    pub default_virtual_service_export_to: Vec<String>,
    pub default_destination_rule_export_to: Vec<String>,
}

impl Default for MeshSettings {
    fn default() -> MeshSettings {
        MeshSettings {
            root_namespace: DEFAULT_ROOT_NAMESPACE.to_owned(),
            outbound_mode: None,
            dns_auto_allocate: false,
            default_service_export_to: vec!["*".to_owned()],
            default_virtual_service_export_to: vec!["*".to_owned()],
            default_destination_rule_export_to: vec!["*".to_owned()],
        }
    }
}

impl MeshSettings {
    /// Applies a MeshConfig on top of the defaults; `source` is the manifest it came from
    /// (`None` for a `--mesh-config` file).
    pub fn apply(&mut self, mesh: &MeshConfig, source: Option<usize>) {
        if let Some(root) = &mesh.root_namespace {
            self.root_namespace.clone_from(root);
        }
        let mode = mesh
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode.clone())
            .unwrap_or_else(|| "ALLOW_ANY".to_owned());
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
                target.clone_from(given);
            }
        }
    }
}

/// Everything the rules read, indexed.
pub struct Index<'a> {
    pub manifests: &'a [Manifest],
    pub mesh: MeshSettings,
    /// The namespace of resources that name none (what `kubectl apply` would use).
    pub default_namespace: String,
    by_kind: BTreeMap<KnownKind, Vec<usize>>,
    // The lookup tables below are built once, so that a rule asking about every route or
    // host does not scan the whole input for each (which made the rules quadratic).
    /// ServiceEntries by resolved host.
    entry_hosts: HostMap<usize>,
    /// VirtualServices by resolved host.
    virtual_service_hosts: HostMap<usize>,
    /// DestinationRules by resolved host.
    rule_hosts: HostMap<usize>,
    /// DestinationRules without `workloadSelector`, by namespace, then resolved host: where
    /// [`Index::destination_rules_for`] looks.
    namespace_rules: HashMap<String, HostMap<usize>>,
    /// Gateway servers, as (Gateway, position in its `servers`), by server host (without
    /// its `namespace/` part).
    server_hosts: HostMap<(usize, usize)>,
    /// Gateways by `namespace/name` (the first, as a scan would find).
    gateways_by_reference: HashMap<String, usize>,
    /// Gateways by address: the position of a `&Gateway` a caller hands in.
    gateway_positions: HashMap<usize, usize>,
    /// Services by namespace, then name (the first, as a scan would find).
    services_by_name: HashMap<String, HashMap<String, usize>>,
    /// Services by the labels of their selector (key, then value), in input order.
    services_by_label: HashMap<String, HashMap<String, Vec<usize>>>,
    /// VirtualServices by the gateway references they bind (`mesh` for none), in input
    /// order.
    virtual_services_by_gateway: HashMap<String, Vec<usize>>,
    /// The gateway references each VirtualService binds ([`Index::bound_gateways`]), by its
    /// position in the input (empty for other kinds).
    bound_references: Vec<Vec<String>>,
    known_namespaces: BTreeSet<String>,
    /// Per Gateway: the namespace of the Service its mesh hops route to, computed on first
    /// use.
    mesh_hop_namespaces: OnceLock<HashMap<usize, String>>,
    /// The gateway legs of [`super::hops::gateway_legs`], computed on first use.
    gateway_legs: OnceLock<Vec<GatewayLeg<'a>>>,
    /// Every piece of evidence that a namespace reaches a host, by the host (or wildcard)
    /// it names; built on first use by [`Index::namespaces_reaching`].
    reaching: OnceLock<ReachIndex>,
}

impl<'a> Index<'a> {
    pub fn new(
        manifests: &'a [Manifest],
        default_namespace: &str,
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
            default_namespace: default_namespace.to_owned(),
            by_kind,
            entry_hosts: HostMap::default(),
            virtual_service_hosts: HostMap::default(),
            rule_hosts: HostMap::default(),
            namespace_rules: HashMap::new(),
            server_hosts: HostMap::default(),
            gateways_by_reference: HashMap::new(),
            gateway_positions: HashMap::new(),
            services_by_name: HashMap::new(),
            services_by_label: HashMap::new(),
            virtual_services_by_gateway: HashMap::new(),
            bound_references: Vec::new(),
            known_namespaces: BTreeSet::new(),
            mesh_hop_namespaces: OnceLock::new(),
            gateway_legs: OnceLock::new(),
            reaching: OnceLock::new(),
        };
        index.build_host_tables();
        index.build_name_tables();
        index.known_namespaces = index.collect_known_namespaces();
        index
    }

    /// The tables by host: ServiceEntries, VirtualServices and DestinationRules by resolved
    /// host, Gateway servers by server host.
    fn build_host_tables(&mut self) {
        let mut entry_hosts = HostMap::default();
        for (i, entry) in self.service_entries() {
            let namespace = self.namespace(i);
            for host in &entry.hosts {
                entry_hosts.insert(hosts::resolve(host, namespace), i);
            }
        }
        let mut virtual_service_hosts = HostMap::default();
        for (i, vs) in self.virtual_services() {
            let namespace = self.namespace(i);
            for host in vs.hosts.iter().filter(|h| !h.is_empty()) {
                virtual_service_hosts.insert(hosts::resolve(host, namespace), i);
            }
        }
        let mut rule_hosts = HostMap::default();
        let mut namespace_rules: HashMap<String, HostMap<usize>> = HashMap::new();
        for (i, rule) in self.destination_rules() {
            let namespace = self.namespace(i);
            let host = hosts::resolve(&rule.host, namespace);
            if rule.workload_selector.is_none() {
                namespace_rules
                    .entry(namespace.to_owned())
                    .or_default()
                    .insert(host.clone(), i);
            }
            rule_hosts.insert(host, i);
        }
        let mut server_hosts = HostMap::default();
        for (g, gateway) in self.gateways() {
            for (position, server) in gateway.servers.iter().enumerate() {
                for host in &server.hosts {
                    server_hosts.insert(super::hops::server_host(host).to_owned(), (g, position));
                }
            }
        }
        self.entry_hosts = entry_hosts;
        self.virtual_service_hosts = virtual_service_hosts;
        self.server_hosts = server_hosts;
        self.rule_hosts = rule_hosts;
        self.namespace_rules = namespace_rules;
    }

    /// The tables by name: Gateways, Services, and VirtualServices by bound gateway.
    fn build_name_tables(&mut self) {
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
                    .entry(key.clone())
                    .or_default()
                    .entry(value.clone())
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
        self.gateways_by_reference = gateways_by_reference;
        self.gateway_positions = gateway_positions;
        self.services_by_name = services_by_name;
        self.services_by_label = services_by_label;
        self.virtual_services_by_gateway = virtual_services_by_gateway;
        self.bound_references = bound_references;
    }

    /// The namespace a resource lives in.
    pub fn namespace(&self, i: usize) -> &str {
        self.manifests[i]
            .id
            .namespace
            .as_deref()
            .unwrap_or(&self.default_namespace)
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
                Spec::ServiceEntry(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn gateways(&self) -> impl Iterator<Item = (usize, &'a Gateway)> + '_ {
        self.of_kind(KnownKind::Gateway)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::Gateway(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn virtual_services(&self) -> impl Iterator<Item = (usize, &'a VirtualService)> + '_ {
        self.of_kind(KnownKind::VirtualService)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::VirtualService(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn destination_rules(&self) -> impl Iterator<Item = (usize, &'a DestinationRule)> + '_ {
        self.of_kind(KnownKind::DestinationRule)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::DestinationRule(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn sidecars(&self) -> impl Iterator<Item = (usize, &'a Sidecar)> + '_ {
        self.of_kind(KnownKind::Sidecar)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::Sidecar(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn authorization_policies(
        &self,
    ) -> impl Iterator<Item = (usize, &'a AuthorizationPolicy)> + '_ {
        self.of_kind(KnownKind::AuthorizationPolicy)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::AuthorizationPolicy(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn services(&self) -> impl Iterator<Item = (usize, &'a Service)> + '_ {
        self.of_kind(KnownKind::Service)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::Service(s) => Some((i, s)),
                _ => None,
            })
    }

    pub fn http_routes(&self) -> impl Iterator<Item = (usize, &'a HttpRouteSpec)> + '_ {
        self.of_kind(KnownKind::HttpRoute)
            .filter_map(|i| match &self.manifests[i].spec {
                Spec::HttpRoute(s) => Some((i, s)),
                _ => None,
            })
    }

    /// Every namespace the input names: where resources live and where they export to.
    pub fn known_namespaces(&self) -> BTreeSet<&str> {
        self.known_namespaces.iter().map(String::as_str).collect()
    }

    fn collect_known_namespaces(&self) -> BTreeSet<String> {
        let mut namespaces: BTreeSet<&str> = (0..self.manifests.len())
            .map(|i| self.namespace(i))
            .collect();
        namespaces.insert(&self.mesh.root_namespace);
        for (_, entry) in self.service_entries() {
            namespaces.extend(entry.export_to.iter().map(String::as_str));
        }
        for (_, service) in self.virtual_services() {
            namespaces.extend(service.export_to.iter().map(String::as_str));
        }
        for (_, rule) in self.destination_rules() {
            namespaces.extend(rule.export_to.iter().map(String::as_str));
        }
        namespaces.retain(|n| !matches!(*n, "." | "*" | "~"));
        namespaces.into_iter().map(str::to_owned).collect()
    }

    // -----------------------------------------------------------------------------------
    // exportTo
    // -----------------------------------------------------------------------------------

    /// Is a resource of namespace `owner` with this `exportTo` (empty: the mesh default)
    /// visible to workloads in `viewer`? `.` is the own namespace, `*` every namespace, `~`
    /// none.
    pub fn exported(export_to: &[String], default: &[String], owner: &str, viewer: &str) -> bool {
        let list = if export_to.is_empty() {
            default
        } else {
            export_to
        };
        list.iter().any(|to| match to.as_str() {
            "*" => true,
            "." => owner == viewer,
            "~" => false,
            namespace => namespace == viewer,
        })
    }

    /// The namespaces a resource of namespace `owner` with this `exportTo` (empty: the mesh
    /// default) is visible to, as a set that can be compared with another resource's.
    pub fn export_scope(export_to: &[String], default: &[String], owner: &str) -> ExportScope {
        let list = if export_to.is_empty() {
            default
        } else {
            export_to
        };
        let mut namespaces = BTreeSet::new();
        for to in list {
            match to.as_str() {
                "*" => return ExportScope::All,
                "~" => {}
                "." => {
                    namespaces.insert(owner.to_owned());
                }
                namespace => {
                    namespaces.insert(namespace.to_owned());
                }
            }
        }
        ExportScope::Namespaces(namespaces)
    }

    pub fn entry_visible(&self, i: usize, entry: &ServiceEntry, viewer: &str) -> bool {
        Self::exported(
            &entry.export_to,
            &self.mesh.default_service_export_to,
            self.namespace(i),
            viewer,
        )
    }

    pub fn virtual_service_visible(&self, i: usize, vs: &VirtualService, viewer: &str) -> bool {
        Self::exported(
            &vs.export_to,
            &self.mesh.default_virtual_service_export_to,
            self.namespace(i),
            viewer,
        )
    }

    pub fn destination_rule_visible(&self, i: usize, rule: &DestinationRule, viewer: &str) -> bool {
        Self::exported(
            &rule.export_to,
            &self.mesh.default_destination_rule_export_to,
            self.namespace(i),
            viewer,
        )
    }

    // -----------------------------------------------------------------------------------
    // Hosts and services
    // -----------------------------------------------------------------------------------

    /// ServiceEntries that declare exactly this (resolved) host.
    pub fn entries_for_host(&self, host: &str) -> &[usize] {
        self.entry_hosts.exact(host)
    }

    /// ServiceEntries whose hosts cover this host (exactly or by wildcard), in input order.
    pub fn entries_covering(&self, host: &str) -> Vec<usize> {
        self.entry_hosts.covering(host)
    }

    /// ServiceEntries with a host that has a name in common with this host (either may be a
    /// wildcard), in input order.
    pub fn entries_intersecting(&self, host: &str) -> Vec<usize> {
        self.entry_hosts.intersecting(host)
    }

    /// VirtualServices with a (resolved) host that has a name in common with this host
    /// (either may be a wildcard), in input order.
    pub fn virtual_services_intersecting(&self, host: &str) -> Vec<usize> {
        self.virtual_service_hosts.intersecting(host)
    }

    /// DestinationRules whose (resolved) host covers this host, exactly or by wildcard, in
    /// input order; wherever they live and whatever they select.
    pub fn destination_rules_covering(&self, host: &str) -> Vec<usize> {
        self.rule_hosts.covering(host)
    }

    /// The Gateway servers that serve one of these (resolved) hosts
    /// ([`super::hops::serves_any`]), as (Gateway, position in its `servers`), sorted.
    pub fn servers_serving(&self, hosts_: &[String]) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> = hosts_
            .iter()
            .flat_map(|h| self.server_hosts.intersecting(h))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The Kubernetes Service with this cluster FQDN, if the input has it.
    pub fn service_for_host(&self, host: &str) -> Option<usize> {
        let (name, namespace) = hosts::cluster_service(host)?;
        self.services_by_name.get(namespace)?.get(name).copied()
    }

    /// The namespace of the service behind a host: the ServiceEntry's, or the namespace in a
    /// cluster FQDN.
    pub fn service_namespace<'h>(&'h self, host: &'h str) -> Option<&'h str> {
        if let Some(&entry) = self.entries_for_host(host).first() {
            return Some(self.namespace(entry));
        }
        hosts::cluster_service(host).map(|(_, namespace)| namespace)
    }

    // -----------------------------------------------------------------------------------
    // Gateways
    // -----------------------------------------------------------------------------------

    /// The Gateway names a VirtualService binds, resolved to `namespace/name` (or `mesh`).
    /// No `gateways` means the mesh.
    pub fn bound_gateways(&self, i: usize, vs: &VirtualService) -> Vec<String> {
        self.bound_gateway_references(i, vs).into_owned()
    }

    /// [`Index::bound_gateways`], borrowed from the table built once when `vs` is the
    /// VirtualService at `i` (as callers always pass it): rules ask for every route.
    pub fn bound_gateway_references(&self, i: usize, vs: &VirtualService) -> Cow<'_, [String]> {
        match &self.manifests[i].spec {
            Spec::VirtualService(own) if std::ptr::eq(own, vs) => {
                Cow::Borrowed(&self.bound_references[i])
            }
            _ => Cow::Owned(self.resolve_bound_gateways(i, vs)),
        }
    }

    fn resolve_bound_gateways(&self, i: usize, vs: &VirtualService) -> Vec<String> {
        if vs.gateways.is_empty() {
            return vec![MESH_GATEWAY.to_owned()];
        }
        vs.gateways
            .iter()
            .map(|g| self.resolve_gateway_name(g, self.namespace(i)))
            .collect()
    }

    /// `name` -> `namespace/name` in the VirtualService's namespace; `ns/name` and `mesh`
    /// as written, `./name` in the VirtualService's namespace. A dotted name is the old
    /// FQDN form, still accepted by Istio (`resolveGatewayName`): `name.ns` and
    /// `name.ns.svc.cluster.local` are both `ns/name`.
    pub fn resolve_gateway_name(&self, reference: &str, namespace: &str) -> String {
        match GatewayName::of(reference, namespace) {
            GatewayName::AsWritten(reference) => reference.to_owned(),
            GatewayName::Parts(namespace, name) => [namespace, "/", name].concat(),
        }
    }

    /// Does `reference`, written in a resource of `namespace`, resolve to `gateway` (a
    /// resolved reference or `mesh`)? [`Index::resolve_gateway_name`] without building the
    /// name.
    pub fn reference_resolves_to(&self, reference: &str, namespace: &str, gateway: &str) -> bool {
        match GatewayName::of(reference, namespace) {
            GatewayName::AsWritten(reference) => reference == gateway,
            GatewayName::Parts(namespace, name) => gateway
                .strip_prefix(namespace)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| rest == name),
        }
    }

    /// The Gateway a resolved `namespace/name` reference points at.
    pub fn gateway(&self, reference: &str) -> Option<(usize, &'a Gateway)> {
        let &i = self.gateways_by_reference.get(reference)?;
        match &self.manifests[i].spec {
            Spec::Gateway(gateway) => Some((i, gateway)),
            _ => None,
        }
    }

    /// Does a route (by its matches) apply to the proxies of `gateway` (a resolved
    /// reference or `mesh`)? A match without `gateways` applies to all the VirtualService's
    /// gateways; a route without matches applies everywhere the VirtualService does.
    pub fn route_applies(
        &self,
        i: usize,
        vs: &VirtualService,
        matches: &[RouteMatch],
        gateway: &str,
    ) -> bool {
        let bound = self.bound_gateway_references(i, vs);
        if matches.is_empty() {
            return bound.iter().any(|g| g == gateway);
        }
        matches.iter().any(|m| {
            if m.gateways.is_empty() {
                bound.iter().any(|g| g == gateway)
            } else {
                m.gateways
                    .iter()
                    .any(|g| self.reference_resolves_to(g, self.namespace(i), gateway))
            }
        })
    }

    /// The namespace the pods of a Gateway run in: the namespace of a Service in the input
    /// that selects the same labels, else the namespace of the Service that mesh hops route
    /// to for it, else the root namespace (where Istio installs its gateways).
    pub fn gateway_workload_namespace(&self, gateway: &Gateway) -> String {
        if let Some(i) = self.gateway_service(gateway) {
            return self.namespace(i).to_owned();
        }
        if let Some(namespace) = self.mesh_hop_service_namespace(gateway) {
            return namespace.to_owned();
        }
        self.mesh.root_namespace.clone()
    }

    /// The namespace of the cluster Service that mesh hops send to, in VirtualServices that
    /// also bind this Gateway: the two-hop pattern names the gateway Service there.
    fn mesh_hop_service_namespace(&self, gateway: &Gateway) -> Option<&str> {
        let position = self
            .gateway_positions
            .get(&std::ptr::from_ref(gateway).addr())?;
        let namespaces = self.mesh_hop_namespaces.get_or_init(|| {
            self.gateways()
                .filter_map(|(g, _)| Some((g, self.find_mesh_hop_service_namespace(g)?)))
                .collect()
        });
        namespaces.get(position).map(String::as_str)
    }

    /// The first VirtualService that binds Gateway `g` and has a mesh route to a cluster
    /// Service names that Service's namespace.
    fn find_mesh_hop_service_namespace(&self, g: usize) -> Option<String> {
        let reference = self.qualified_name(g);
        let binding = self.virtual_services_by_gateway.get(&reference)?;
        binding.iter().find_map(|&i| {
            let Spec::VirtualService(vs) = &self.manifests[i].spec else {
                return None;
            };
            super::routes::routes(vs)
                .iter()
                .filter(|route| self.route_applies(i, vs, route.matches, MESH_GATEWAY))
                .flat_map(|route| route.destinations.iter())
                .find_map(|d| {
                    let host = hosts::resolve(&d.host, self.namespace(i));
                    hosts::cluster_service(&host).map(|(_, namespace)| namespace.to_owned())
                })
        })
    }

    /// Every mesh hop into a Gateway server ([`super::hops::gateway_legs`]), found on first
    /// use and kept: several rules judge them.
    pub fn gateway_legs(&self) -> &[GatewayLeg<'a>] {
        self.gateway_legs
            .get_or_init(|| super::hops::find_gateway_legs(self))
    }

    /// A Service in the input in front of a Gateway's pods: one whose selector and the
    /// Gateway's selector agree on every label both name.
    pub fn gateway_service(&self, gateway: &Gateway) -> Option<usize> {
        self.gateway_services(gateway).first().copied()
    }

    /// Every Service in the input in front of a Gateway's pods, in input order. Istio's
    /// analyzer finds the pods the Gateway selects, then the Services that select those
    /// pods. The input has no pods, so a Service counts when a pod carrying both selectors'
    /// labels could exist (they agree on every label both name) and they share a label (so
    /// the Service is not merely unrelated): `istio: egressgateway` on the Gateway and
    /// `app: istio-egressgateway, istio: egressgateway` on the Service match.
    pub fn gateway_services(&self, gateway: &Gateway) -> Vec<usize> {
        // Only a Service sharing a label with the Gateway can count: look those up.
        let mut sharing: Vec<usize> = gateway
            .selector
            .iter()
            .filter_map(|(k, v)| self.services_by_label.get(k)?.get(v))
            .flatten()
            .copied()
            .collect();
        sharing.sort_unstable();
        sharing.dedup();
        sharing.retain(|&i| match &self.manifests[i].spec {
            Spec::Service(service) => gateway
                .selector
                .iter()
                .all(|(k, v)| service.selector.get(k).is_none_or(|s| s == v)),
            _ => false,
        });
        sharing
    }

    // -----------------------------------------------------------------------------------
    // DestinationRule lookup
    // -----------------------------------------------------------------------------------

    /// The DestinationRules that apply to traffic from a proxy in `client_namespace` to
    /// `host`, as Istio picks them (`PushContext.destinationRule`): the most specific match
    /// among the client namespace's own rules; else the rules the host's service namespace
    /// exports to the client; else those the root namespace exports. Rules for one host in
    /// one namespace are merged, so all of them are returned (in input order; for settings
    /// other than subsets the first wins). Rules with a `workloadSelector` are left out:
    /// they apply only to the workloads they select.
    pub fn destination_rules_for(&self, client_namespace: &str, host: &str) -> Vec<usize> {
        // A rule counts for the client when its exportTo reaches the client's namespace;
        // for rules in the client's own namespace that means `.`, `*` or the namespace.
        let in_namespace = |namespace: &str| -> Vec<usize> {
            let Some(rules) = self.namespace_rules.get(namespace) else {
                return Vec::new();
            };
            most_specific(rules, host, |i| match &self.manifests[i].spec {
                Spec::DestinationRule(rule) => {
                    self.destination_rule_visible(i, rule, client_namespace)
                }
                _ => false,
            })
        };
        let local = in_namespace(client_namespace);
        if !local.is_empty() {
            return local;
        }
        if let Some(service_namespace) = self.service_namespace(host) {
            let exported = in_namespace(service_namespace);
            if !exported.is_empty() {
                return exported;
            }
        }
        in_namespace(&self.mesh.root_namespace)
    }
}

/// A gateway reference as Istio resolves it, in parts, so that it can be compared without
/// building the `namespace/name` string ([`Index::resolve_gateway_name`]).
enum GatewayName<'r> {
    /// `mesh` and `ns/name`: the reference as written.
    AsWritten(&'r str),
    /// `namespace/name`.
    Parts(&'r str, &'r str),
}

impl<'r> GatewayName<'r> {
    fn of(reference: &'r str, namespace: &'r str) -> GatewayName<'r> {
        if reference == MESH_GATEWAY {
            return GatewayName::AsWritten(reference);
        }
        if let Some((ns, name)) = reference.split_once('/') {
            return if ns == "." {
                GatewayName::Parts(namespace, name)
            } else {
                GatewayName::AsWritten(reference)
            };
        }
        match reference.split_once('.') {
            Some((name, rest)) => {
                let ns = rest.split_once('.').map_or(rest, |(ns, _)| ns);
                GatewayName::Parts(ns, name)
            }
            None => GatewayName::Parts(namespace, reference),
        }
    }
}

/// Where a resource is visible, from its `exportTo` ([`Index::export_scope`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportScope {
    /// Every namespace (`*`).
    All,
    /// These namespaces only; empty for `~` (hidden from all).
    Namespaces(BTreeSet<String>),
}

impl ExportScope {
    /// Is there a namespace that sees both?
    pub fn overlaps(&self, other: &ExportScope) -> bool {
        match (self, other) {
            (ExportScope::All, ExportScope::All) => true,
            (ExportScope::All, ExportScope::Namespaces(n))
            | (ExportScope::Namespaces(n), ExportScope::All) => !n.is_empty(),
            (ExportScope::Namespaces(a), ExportScope::Namespaces(b)) => !a.is_disjoint(b),
        }
    }

    /// The namespaces that see both, for messages: `every namespace` or a list.
    pub fn common(&self, other: &ExportScope) -> String {
        match (self, other) {
            (ExportScope::All, ExportScope::All) => "every namespace".to_owned(),
            (ExportScope::All, ExportScope::Namespaces(n))
            | (ExportScope::Namespaces(n), ExportScope::All) => namespace_list(n.iter()),
            (ExportScope::Namespaces(a), ExportScope::Namespaces(b)) => {
                namespace_list(a.intersection(b))
            }
        }
    }
}

fn namespace_list<'s>(namespaces: impl Iterator<Item = &'s String>) -> String {
    let names: Vec<&str> = namespaces.map(String::as_str).collect();
    match names.as_slice() {
        [one] => format!("namespace {one}"),
        _ => format!("namespaces {}", names.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------
// Which namespaces send traffic to a host
// ---------------------------------------------------------------------------------------

/// How the input shows that the sidecars of a namespace send traffic to a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// A VirtualService with a `mesh` route for the host lives in the namespace, or names
    /// it in `exportTo`, and is visible there.
    Routes,
    /// A DestinationRule for the host lives in the namespace (and is visible there).
    Configures,
    /// A DestinationRule in the namespace defines the subset that a `mesh` route for the
    /// host sends to (Istio's egress gateway recipes create it in each client namespace).
    GatewaySubset,
    /// A Sidecar in the namespace imports the host by name (not by `*`).
    Imports,
    /// A ServiceEntry for the host names the namespace in `exportTo` (`.` for its own).
    /// Where an entry merely lives says nothing: platform teams keep entries in namespaces
    /// of their own.
    Declares,
}

/// The evidence of [`Index::namespaces_reaching`] by the host it names: exact hosts in a
/// map, wildcards (few) in a list.
#[derive(Debug, Default)]
struct ReachIndex {
    exact: HashMap<String, Vec<Reaching>>,
    wildcards: Vec<(String, Reaching)>,
}

/// One piece of evidence that a namespace reaches a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reaching {
    pub namespace: String,
    /// The resource that shows it.
    pub resource: usize,
    pub reach: Reach,
}

impl Reaching {
    /// The evidence in words, for a message about its namespace: "VirtualService a/b routes
    /// api.example.com for it".
    pub fn describe(&self, index: &Index, host: &str) -> String {
        let name = format!(
            "{}/{}",
            index.namespace(self.resource),
            index.name(self.resource)
        );
        match self.reach {
            Reach::Routes => format!("VirtualService {name} routes {host} for it"),
            Reach::Configures => format!("DestinationRule {name} there configures {host}"),
            Reach::GatewaySubset => format!(
                "DestinationRule {name} there defines the gateway subset of the route for {host}"
            ),
            Reach::Imports => format!("Sidecar {name} there imports {host}"),
            Reach::Declares => format!("ServiceEntry {name} for {host} is exported to it"),
        }
    }
}

impl Index<'_> {
    /// The namespaces named in an `exportTo` list: `.` is the owner's namespace; `*` and
    /// `~` name none.
    pub fn named_in_export_to(export_to: &[String], owner: &str) -> Vec<String> {
        export_to
            .iter()
            .filter(|to| !matches!(to.as_str(), "*" | "~" | ""))
            .map(|to| if to == "." { owner } else { to.as_str() }.to_owned())
            .collect()
    }

    /// Does any route of the VirtualService apply to the sidecars (`mesh`)?
    pub fn has_mesh_route(&self, i: usize, vs: &VirtualService) -> bool {
        super::routes::routes(vs)
            .iter()
            .any(|route| self.route_applies(i, vs, route.matches, MESH_GATEWAY))
    }

    /// The evidence, in the input, that sidecars of some namespace send traffic to `host`
    /// (a resolved host or wildcard; hosts match when they share a name). Only what a
    /// namespace can see counts: a VirtualService or DestinationRule whose `exportTo` hides
    /// it from its own namespace is configuration for others, not evidence of its own
    /// namespace. Sorted by namespace, then resource.
    pub fn namespaces_reaching(&self, host: &str) -> Vec<Reaching> {
        let index = self.reaching.get_or_init(|| {
            let mut index = ReachIndex::default();
            for (pattern, reaching) in self.collect_reaching() {
                if hosts::is_wildcard(&pattern) {
                    index.wildcards.push((pattern, reaching));
                } else {
                    index.exact.entry(pattern).or_default().push(reaching);
                }
            }
            index
        });
        let mut out: Vec<Reaching> = Vec::new();
        if hosts::is_wildcard(host) {
            // A wildcard shares names with any exact host under it.
            for (pattern, found) in &index.exact {
                if hosts::covers(host, pattern) {
                    out.extend(found.iter().cloned());
                }
            }
        } else {
            out.extend(index.exact.get(host).into_iter().flatten().cloned());
        }
        out.extend(
            index
                .wildcards
                .iter()
                .filter(|(pattern, _)| hosts::intersect(pattern, host))
                .map(|(_, reaching)| reaching.clone()),
        );
        out.sort_by(|a, b| {
            (&a.namespace, a.resource, a.reach).cmp(&(&b.namespace, b.resource, b.reach))
        });
        out.dedup();
        out
    }

    /// All the evidence of [`Index::namespaces_reaching`], each with the host it names.
    fn collect_reaching(&self) -> Vec<(String, Reaching)> {
        let mut out = Vec::new();
        // A bare `*` says nothing about any one host: it is no evidence.
        let mut push = |pattern: &str, namespace: &str, resource: usize, reach: Reach| {
            if !pattern.is_empty() && pattern != "*" {
                out.push((
                    pattern.to_owned(),
                    Reaching {
                        namespace: namespace.to_owned(),
                        resource,
                        reach,
                    },
                ));
            }
        };
        // The hosts of VirtualServices whose `mesh` routes send to (host, subset).
        let mut subset_routes: HashMap<(String, String), Vec<String>> = HashMap::new();
        for (i, vs) in self.virtual_services() {
            let namespace = self.namespace(i);
            let mesh_routes: Vec<_> = super::routes::routes(vs)
                .into_iter()
                .filter(|route| self.route_applies(i, vs, route.matches, MESH_GATEWAY))
                .collect();
            if mesh_routes.is_empty() {
                continue;
            }
            let vs_hosts: Vec<String> = vs
                .hosts
                .iter()
                .map(|h| hosts::resolve(h, namespace))
                .filter(|h| !h.is_empty())
                .collect();
            for destination in mesh_routes.iter().flat_map(|r| r.destinations.iter()) {
                if let Some(subset) = destination.subset.as_deref().filter(|s| !s.is_empty()) {
                    subset_routes
                        .entry((
                            hosts::resolve(&destination.host, namespace),
                            subset.to_owned(),
                        ))
                        .or_default()
                        .extend(vs_hosts.iter().cloned());
                }
            }
            let mut viewers = vec![namespace.to_owned()];
            viewers.extend(Self::named_in_export_to(&vs.export_to, namespace));
            viewers.sort();
            viewers.dedup();
            for viewer in viewers {
                if self.virtual_service_visible(i, vs, &viewer) {
                    for host in &vs_hosts {
                        push(host, &viewer, i, Reach::Routes);
                    }
                }
            }
        }
        for (i, rule) in self.destination_rules() {
            let namespace = self.namespace(i);
            if !self.destination_rule_visible(i, rule, namespace) {
                continue;
            }
            let rule_host = hosts::resolve(&rule.host, namespace);
            if rule_host.is_empty() {
                continue;
            }
            push(&rule_host, namespace, i, Reach::Configures);
            for subset in &rule.subsets {
                let key = (rule_host.clone(), subset.name.clone());
                for host in subset_routes.get(&key).into_iter().flatten() {
                    push(host, namespace, i, Reach::GatewaySubset);
                }
            }
        }
        for (i, sidecar) in self.sidecars() {
            let entries = sidecar
                .egress
                .iter()
                .flat_map(|listener| &listener.hosts)
                .filter_map(|entry| entry.split_once('/'));
            for (namespace, name) in entries {
                if !namespace.starts_with('~') && name != "*" {
                    push(name, self.namespace(i), i, Reach::Imports);
                }
            }
        }
        for (i, entry) in self.service_entries() {
            let namespace = self.namespace(i);
            let viewers = Self::named_in_export_to(&entry.export_to, namespace);
            for host in &entry.hosts {
                let host = hosts::resolve(host, namespace);
                for viewer in &viewers {
                    push(&host, viewer, i, Reach::Declares);
                }
            }
        }
        out
    }
}

/// The rules (of those `counts` keeps) whose host is the most specific match for `host`, in
/// input order: those for exactly `host`, else those of the longest wildcard that covers it
/// (of two such wildcards of one length, the one with the earlier rule).
fn most_specific(rules: &HostMap<usize>, host: &str, counts: impl Fn(usize) -> bool) -> Vec<usize> {
    let exact: Vec<usize> = rules
        .exact(host)
        .iter()
        .copied()
        .filter(|&i| counts(i))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let mut best: Option<(usize, Vec<usize>)> = None;
    for (length, candidates) in rules.wildcards_covering(host) {
        let found: Vec<usize> = candidates.iter().copied().filter(|&i| counts(i)).collect();
        let Some(&first) = found.first() else {
            continue;
        };
        let better = best.as_ref().is_none_or(|(best_length, best_found)| {
            length > *best_length || (length == *best_length && first < best_found[0])
        });
        if better {
            best = Some((length, found));
        }
    }
    best.map(|(_, found)| found).unwrap_or_default()
}
