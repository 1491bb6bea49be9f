//! Which namespaces the input shows sending traffic to a host.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt};

use super::{Index, MESH_GATEWAY};
use crate::manifest::{Text, VirtualService};
use crate::rules::hosts;

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
/// map, wildcards (few) in a list. Hosts and namespaces are borrowed from the input where
/// they are written in full: a copy of each host and namespace in every piece of evidence
/// was a quarter of the table.
#[derive(Debug, Default)]
pub(super) struct ReachIndex<'a> {
    exact: HashMap<Cow<'a, str>, Vec<Reaching<'a>>>,
    wildcards: Vec<(Cow<'a, str>, Reaching<'a>)>,
}

/// One piece of evidence that a namespace reaches a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reaching<'a> {
    pub namespace: &'a str,
    /// The resource that shows it.
    pub resource: usize,
    pub reach: Reach,
}

impl Reaching<'_> {
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

impl<'a> Index<'a> {
    /// The namespaces named in an `exportTo` list: `.` is the owner's namespace; `*` and
    /// `~` name none.
    pub fn named_in_export_to(export_to: &[Text], owner: &str) -> Vec<String> {
        export_targets(export_to, owner)
            .map(str::to_owned)
            .collect()
    }

    /// Does any route of the VirtualService apply to the sidecars (`mesh`)?
    pub fn has_mesh_route(&self, i: usize, vs: &VirtualService) -> bool {
        crate::rules::routes::routes(vs)
            .iter()
            .any(|route| self.route_applies(i, vs, route.matches, MESH_GATEWAY))
    }

    /// The evidence, in the input, that sidecars of some namespace send traffic to `host`
    /// (a resolved host or wildcard; hosts match when they share a name). Only what a
    /// namespace can see counts: a VirtualService or DestinationRule whose `exportTo` hides
    /// it from its own namespace is configuration for others, not evidence of its own
    /// namespace. Sorted by namespace, then resource.
    pub fn namespaces_reaching(&self, host: &str) -> Vec<Reaching<'a>> {
        let index = self.reach_index();
        let mut out: Vec<Reaching> = Vec::new();
        if hosts::is_wildcard(host) {
            // A wildcard shares names with any exact host under it.
            for (pattern, found) in &index.exact {
                if hosts::covers(host, pattern) {
                    out.extend(found.iter().copied());
                }
            }
        } else {
            out.extend(index.exact.get(host).into_iter().flatten().copied());
        }
        out.extend(
            index
                .wildcards
                .iter()
                .filter(|(pattern, _)| hosts::intersect(pattern, host))
                .map(|(_, reaching)| *reaching),
        );
        out.sort_by(|a, b| {
            (&a.namespace, a.resource, a.reach).cmp(&(&b.namespace, b.resource, b.reach))
        });
        out.dedup();
        out
    }

    /// All the evidence of [`Index::namespaces_reaching`], by the host it names, collected on
    /// first use.
    pub(super) fn reach_index(&self) -> &ReachIndex<'a> {
        self.reaching.get_or_init(|| self.collect_reaching())
    }

    fn collect_reaching(&self) -> ReachIndex<'a> {
        let mut out = ReachIndex::default();
        // The hosts of each VirtualService with `mesh` routes, and by (host, subset) the
        // VirtualServices (positions in `mesh_hosts`) whose `mesh` routes send there.
        let mut mesh_hosts: Vec<Vec<Cow<'a, str>>> = Vec::new();
        let mut subset_routes: HashMap<(Cow<str>, &str), Vec<usize>> = HashMap::new();
        for (i, vs) in self.virtual_services() {
            let namespace = self.namespace(i);
            let mesh_routes: Vec<_> = crate::rules::routes::routes(vs)
                .into_iter()
                .filter(|route| self.route_applies(i, vs, route.matches, MESH_GATEWAY))
                .collect();
            if mesh_routes.is_empty() {
                continue;
            }
            let position = mesh_hosts.len();
            for destination in mesh_routes.iter().flat_map(|r| r.destinations.iter()) {
                if let Some(subset) = destination.subset.as_deref().filter(|s| !s.is_empty()) {
                    let host = hosts::resolve_borrowed(&destination.host, namespace);
                    let routing = subset_routes.entry((host, subset)).or_default();
                    if routing.last() != Some(&position) {
                        routing.push(position);
                    }
                }
            }
            let vs_hosts = super::super::hops::vs_hosts_borrowed(self, i, vs);
            let mut viewers: Vec<&str> = export_targets(&vs.export_to, namespace).collect();
            viewers.push(namespace);
            viewers.sort_unstable();
            viewers.dedup();
            for viewer in viewers {
                if self.virtual_service_visible(i, vs, viewer) {
                    for host in &vs_hosts {
                        out.push(host.clone(), viewer, i, Reach::Routes);
                    }
                }
            }
            mesh_hosts.push(vs_hosts);
        }
        for (i, rule) in self.destination_rules() {
            let namespace = self.namespace(i);
            if !self.destination_rule_visible(i, rule, namespace) {
                continue;
            }
            let rule_host = hosts::resolve_borrowed(&rule.host, namespace);
            if rule_host.is_empty() {
                continue;
            }
            out.push(rule_host.clone(), namespace, i, Reach::Configures);
            for subset in &rule.subsets {
                let key = (Cow::Borrowed(rule_host.as_ref()), subset.name.as_str());
                for &routing in subset_routes.get(&key).into_iter().flatten() {
                    for host in &mesh_hosts[routing] {
                        out.push(host.clone(), namespace, i, Reach::GatewaySubset);
                    }
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
                    out.push(Cow::Borrowed(name), self.namespace(i), i, Reach::Imports);
                }
            }
        }
        for (i, entry) in self.service_entries() {
            let namespace = self.namespace(i);
            for host in &entry.hosts {
                let host = hosts::resolve_borrowed(host, namespace);
                for viewer in export_targets(&entry.export_to, namespace) {
                    out.push(host.clone(), viewer, i, Reach::Declares);
                }
            }
        }
        out
    }
}

impl<'a> ReachIndex<'a> {
    /// Records that `namespace` reaches `pattern`, as `resource` shows. A bare `*` says
    /// nothing about any one host: it is no evidence.
    fn push(&mut self, pattern: Cow<'a, str>, namespace: &'a str, resource: usize, reach: Reach) {
        if pattern.is_empty() || pattern == "*" {
            return;
        }
        let reaching = Reaching {
            namespace,
            resource,
            reach,
        };
        if hosts::is_wildcard(&pattern) {
            self.wildcards.push((pattern, reaching));
        } else if let Some(found) = self.exact.get_mut(pattern.as_ref()) {
            found.push(reaching);
        } else {
            self.exact.insert(pattern, vec![reaching]);
        }
    }
}

/// [`Index::named_in_export_to`], borrowed.
fn export_targets<'s>(export_to: &'s [Text], owner: &'s str) -> impl Iterator<Item = &'s str> {
    export_to
        .iter()
        .filter(|to| !matches!(to.as_str(), "*" | "~" | ""))
        .map(move |to| if to == "." { owner } else { to.as_str() })
}
