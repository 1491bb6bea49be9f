//! Gateway references, the routes that apply at a gateway, and the Services in front of
//! gateway pods.

use std::borrow::Cow;

use super::{Index, MESH_GATEWAY};
use crate::manifest::{Gateway, RouteMatch, Spec, VirtualService};
use crate::rules::hops::GatewayLeg;
use crate::rules::hosts;

impl<'a> Index<'a> {
    /// The Gateway names a VirtualService binds, resolved to `namespace/name` (or `mesh`).
    /// No `gateways` means the mesh.
    pub fn bound_gateways(&self, i: usize, vs: &VirtualService) -> Vec<String> {
        self.bound_gateway_references(i, vs).into_owned()
    }

    /// [`Index::bound_gateways`], borrowed from the table built once when `vs` is the
    /// VirtualService at `i` (as callers always pass it): rules ask for every route.
    pub fn bound_gateway_references(&self, i: usize, vs: &VirtualService) -> Cow<'_, [String]> {
        match &self.manifests[i].spec {
            Spec::VirtualService(own) if std::ptr::eq(own.as_ref(), vs) => {
                Cow::Borrowed(&self.names.bound_references[i])
            }
            _ => Cow::Owned(self.resolve_bound_gateways(i, vs)),
        }
    }

    pub(super) fn resolve_bound_gateways(&self, i: usize, vs: &VirtualService) -> Vec<String> {
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
        let &i = self.names.gateways_by_reference.get(reference)?;
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
        match self
            .workload_namespaces()
            .get(&std::ptr::from_ref(gateway).addr())
        {
            Some(namespace) => namespace.clone(),
            None => self.find_gateway_workload_namespace(gateway),
        }
    }

    /// [`Index::gateway_workload_namespace`] of every Gateway, by its address. Rules ask for
    /// every Gateway: each answer is worked out once, on first use.
    pub(super) fn workload_namespaces(&self) -> &foldhash::HashMap<usize, String> {
        self.workload_namespaces.get_or_init(|| {
            self.gateways()
                .map(|(_, g)| {
                    let address = std::ptr::from_ref(g).addr();
                    (address, self.find_gateway_workload_namespace(g))
                })
                .collect()
        })
    }

    fn find_gateway_workload_namespace(&self, gateway: &Gateway) -> String {
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
            .names
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
        let binding = self.names.virtual_services_by_gateway.get(&reference)?;
        binding.iter().find_map(|&i| {
            let Spec::VirtualService(vs) = &self.manifests[i].spec else {
                return None;
            };
            crate::rules::routes::routes(vs)
                .iter()
                .filter(|route| self.route_applies(i, vs, route.matches, MESH_GATEWAY))
                .flat_map(|route| route.destinations.iter())
                .find_map(|d| {
                    let host = hosts::resolve(&d.host, self.namespace(i));
                    hosts::cluster_service(&host).map(|(_, namespace)| namespace.to_owned())
                })
        })
    }

    /// Every mesh hop into a Gateway server (`hops::find_gateway_legs`), found on first
    /// use and kept: several rules judge them.
    pub fn gateway_legs(&self) -> &[GatewayLeg<'a>] {
        self.gateway_legs
            .get_or_init(|| crate::rules::hops::find_gateway_legs(self))
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
            .filter_map(|(k, v)| {
                self.names
                    .services_by_label
                    .get(k.as_str())?
                    .get(v.as_str())
            })
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
