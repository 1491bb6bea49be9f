//! M019 `conflicting-mesh-virtual-services`: several VirtualServices for the sidecars
//! (`mesh`) declare the same host, and some namespace sees them all.
//!
//! A sidecar builds one virtual host per host name. When two VirtualServices visible to it
//! declare the same host for `mesh`, Istio keeps the routes of one (those exported to the
//! client's namespace by `.` or by name before those exported everywhere, the oldest first)
//! and drops the other's as a duplicate domain (`pilot_duplicate_domains`, "duplicate domain from virtual
//! service"). Which routes the sidecars follow then depends on creation order: an egress
//! recipe's "send edition.cnn.com to the egress gateway" can be silently replaced by a
//! team's "timeout for edition.cnn.com" VirtualService, and traffic leaves directly.
//!
//! A VirtualService applies to sidecars when it has no `gateways` or lists `mesh`. Two of them
//! conflict when their hosts (short names resolved in each one's namespace) overlap and their
//! `exportTo` scopes share a namespace. The same host is an error, as Istio's analyzer has it
//! (IST0109, ConflictingMeshGatewayVirtualServiceHosts). Hosts that only overlap through a
//! wildcard (`*.example.com` and `api.example.com`) are a warning: Envoy picks the most
//! specific name, so the wildcard's routes do not apply to the names the other declares; the
//! analyzer reports this when one of the two is exported to every namespace and the other is
//! not.

use std::borrow::Cow;

use super::host_map::HostMap;
use super::index::{ExportScope, MESH_GATEWAY};
use super::{Finding, Index, hosts};
use crate::diagnostic::{Severity, codes};
use crate::manifest::VirtualService;

/// A VirtualService that applies to sidecars, with its hosts resolved (borrowed where they
/// are written in full), sorted and each once. Its export scope (a set of namespaces) is
/// worked out only when another such VirtualService shares a host with it: with a scope
/// kept for each and the hosts copied, this rule took 36 MB at 100,000 hosts, now 24.
struct MeshService<'a> {
    vs: usize,
    virtual_service: &'a VirtualService,
    hosts: Vec<Cow<'a, str>>,
}

impl MeshService<'_> {
    fn scope(&self, index: &Index) -> ExportScope {
        Index::export_scope(
            &self.virtual_service.export_to,
            &index.mesh.default_virtual_service_export_to,
            index.namespace(self.vs),
        )
    }
}

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let mesh: Vec<MeshService> = index
        .virtual_services()
        .filter(|(_, vs)| vs.gateways.is_empty() || vs.gateways.iter().any(|g| g == MESH_GATEWAY))
        .map(|(i, vs)| {
            let namespace = index.namespace(i);
            let mut hosts: Vec<Cow<str>> = vs
                .hosts
                .iter()
                .filter(|h| !h.is_empty())
                .map(|h| hosts::resolve_borrowed(h, namespace))
                .collect();
            hosts.sort();
            hosts.dedup();
            MeshService {
                vs: i,
                virtual_service: vs,
                hosts,
            }
        })
        .collect();
    // The mesh VirtualServices (positions in `mesh`) by host, so that each host is compared
    // only with the hosts it overlaps.
    let mut by_host: HostMap<'_, usize> = HostMap::default();
    for (position, service) in mesh.iter().enumerate() {
        for host in &service.hosts {
            by_host.insert(host.as_ref(), position);
        }
    }
    for mine in &mesh {
        let mut mine_scope: Option<ExportScope> = None;
        for host in &mine.hosts {
            let mut same: Vec<(&MeshService, String)> = Vec::new();
            let mut overlapping: Vec<(&MeshService, &str, String)> = Vec::new();
            for other in by_host.intersecting(host).into_iter().map(|p| &mesh[p]) {
                if other.vs == mine.vs {
                    continue;
                }
                let mine_scope = mine_scope.get_or_insert_with(|| mine.scope(index));
                let other_scope = other.scope(index);
                if !other_scope.overlaps(mine_scope) {
                    continue;
                }
                let common = mine_scope.common(&other_scope);
                for theirs in &other.hosts {
                    if theirs == host {
                        same.push((other, common.clone()));
                    } else if hosts::intersect(theirs, host) {
                        overlapping.push((other, theirs, common.clone()));
                    }
                }
            }
            if !same.is_empty() {
                let names: Vec<String> = same.iter().map(|(o, _)| qualified(index, o.vs)).collect();
                let mut finding = Finding::new(
                    codes::CONFLICTING_MESH_VIRTUAL_SERVICES,
                    mine.vs,
                    format!(
                        "VirtualService declares host {host} for the sidecars (mesh), and so \
                         does {} {} (visible together in {}): sidecars apply the routes of \
                         only one of them (exported to their namespace by `.` or by name \
                         first, then the oldest) and drop the others', so which routes apply \
                         depends on the client's namespace and on creation order",
                        plural("VirtualService", names.len()),
                        names.join(", "),
                        same[0].1,
                    ),
                )
                .help(format!(
                    "merge the routes for {host} into one VirtualService, or give the \
                     VirtualServices `exportTo` scopes that do not overlap"
                ));
                for (other, _) in &same {
                    finding = finding.related(other.vs);
                }
                findings.push(finding);
            }
            for (other, theirs, common) in overlapping {
                let (wide, narrow) = if hosts::covers(host, theirs) {
                    (host.as_ref(), theirs)
                } else {
                    (theirs, host.as_ref())
                };
                let mut finding = Finding::new(
                    codes::CONFLICTING_MESH_VIRTUAL_SERVICES,
                    mine.vs,
                    format!(
                        "VirtualService declares host {host} for the sidecars (mesh), which \
                         overlaps host {theirs} of VirtualService {} (visible together in \
                         {common}): for {narrow} sidecars use only the routes declared for \
                         {narrow}, never those for {wide}",
                        qualified(index, other.vs),
                    ),
                )
                .related(other.vs)
                .help(format!(
                    "if traffic to {narrow} should follow the routes for {wide}, repeat \
                     them in the VirtualService for {narrow}, or merge the two"
                ));
                finding.severity = Severity::Warning;
                findings.push(finding);
            }
        }
    }
}

fn qualified(index: &Index, i: usize) -> String {
    format!("{}/{}", index.namespace(i), index.name(i))
}

fn plural(word: &str, count: usize) -> String {
    if count == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
