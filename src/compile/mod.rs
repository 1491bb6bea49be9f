//! Compiles the validated policy into typed Istio resources.
//!
//! One file per resource kind; this module decides which resources a host needs and in what
//! order they are emitted. Compile never reads KDL and never writes text, and it assumes
//! [`crate::validate`] has refused every known mistake: what reaches it is buildable.
//! Every resource records the policy spans it came from, so later checks can point at them.

mod authorization_policy;
mod destination_rules;
mod gateway;
mod mesh_config;
mod metadata;
pub(crate) mod names;
mod network_policy;
mod service_entry;
mod sidecar;
mod telemetry;
mod virtual_service;

use crate::istio::Resource;
use crate::policy::{Host, Mesh, Policy, PortDecl, Via};
use crate::source::Span;
use crate::target::IstioVersion;

/// A compiled resource and the policy declarations that produced it.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub resource: Resource,
    pub origin: Vec<Span>,
    /// The host the resource is for; `None` for mesh-wide settings.
    pub host: Option<String>,
}

/// Which form the mesh-wide settings are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MeshConfigFormat {
    /// An `IstioOperator` overlay for `istioctl install -f`.
    #[default]
    IstioOperator,
    /// The `istio` ConfigMap in istiod's namespace, `mesh` key.
    ConfigMap,
    /// Values for the istiod Helm chart (`meshConfig:`).
    HelmValues,
    /// Not written: the platform sets mesh config elsewhere.
    None,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub mesh_config: MeshConfigFormat,
    /// The Istio release the resources are for: it decides their API version.
    pub istio: IstioVersion,
}

/// Everything a host's resources are built from: the host, its slug and the mesh.
pub(crate) struct HostContext<'a> {
    pub host: &'a Host,
    pub slug: &'a str,
    pub mesh: &'a Mesh,
    /// Whether the gateway checks each caller's namespace
    /// ([`Policy::gateway_enforces_namespaces`]): then every hop to it is Istio mutual TLS.
    pub enforced: bool,
}

impl HostContext<'_> {
    pub fn via_gateway(&self) -> bool {
        self.host.via.value == Via::Gateway
    }

    /// Whether the sidecar -> gateway hop of this port is Istio mutual TLS (the subset's
    /// traffic policy and the Gateway server must agree on it).
    pub fn hop_is_istio_mutual(&self, port: &PortDecl) -> bool {
        self.enforced || gateway::hop_is_istio_mutual(port)
    }

    /// The host the last hop connects to: the concrete server behind a wildcard, or the host.
    pub fn upstream(&self) -> &str {
        self.host
            .served_by
            .as_ref()
            .map_or(&self.host.name.value, |s| &s.value)
    }

    pub fn name(&self, prefix: &str) -> String {
        names::resource_name(prefix, self.slug, &self.host.name.value)
    }

    /// The host's subset of the gateway Service: Istio requires a DNS-1123 label, so it is
    /// shortened like a resource name.
    pub fn subset(&self) -> String {
        self.name("")
    }
}

/// Compiles a policy, in a deterministic order: mesh settings first, then what makes the
/// gateway a boundary (access log, AuthorizationPolicy, Sidecars and NetworkPolicies by
/// namespace), then each host (sorted by name) with its resources in the order the traffic
/// meets them.
pub fn compile(policy: &Policy, options: Options) -> Vec<Compiled> {
    gather(policy, options, usize::MAX, |compiled| [compiled])
}

/// [`compile_in_chunks`], gathering what `each` makes of every resource (nothing, one item
/// or more) into one list, in order, of exactly its length. Each part's results are kept
/// in a list of their own and moved into the whole once its length is known: a list grown
/// part by part was copied at every doubling and once more to shed its spare room, on one
/// thread while the other cores waited, into pages new to the process each time.
pub fn gather<I: IntoIterator + Send>(
    policy: &Policy,
    options: Options,
    hosts_per_part: usize,
    each: impl Fn(Compiled) -> I + Sync,
) -> Vec<I::Item> {
    let mut parts: Vec<Vec<I::Item>> = Vec::new();
    let Ok(()) = compile_in_chunks(policy, options, hosts_per_part, each, |part| {
        let mut items = Vec::with_capacity(part.len());
        items.extend(part.into_iter().flatten());
        parts.push(items);
        Ok::<(), std::convert::Infallible>(())
    });
    crate::parallel::concat(parts)
}

/// [`compile`] a part at a time: the mesh-wide resources, then the resources of
/// `hosts_per_chunk` hosts after another, each part compiled on every core, each resource
/// handed to `each` on the thread that compiled it, and what `each` made of a part handed
/// to `take`, in order, before the next part is compiled. `build` makes the rules' model of
/// each resource this way, and later its text, so it never holds every resource in either
/// form twice. Stops at the first error of `take`.
pub fn compile_in_chunks<R: Send, E>(
    policy: &Policy,
    options: Options,
    hosts_per_chunk: usize,
    each: impl Fn(Compiled) -> R + Sync,
    mut take: impl FnMut(Vec<R>) -> Result<(), E>,
) -> Result<(), E> {
    let pre_v1 = options.istio.networking_api() != crate::istio::NETWORKING_V1;
    let hand_over = |mut compiled: Compiled| {
        if pre_v1 {
            compiled.resource.use_pre_v1_api();
        }
        each(compiled)
    };
    let mut mesh_wide = Vec::new();
    let mesh_resource = match options.mesh_config {
        MeshConfigFormat::IstioOperator => Some(mesh_config::istio_operator(&policy.mesh)),
        MeshConfigFormat::ConfigMap => Some(mesh_config::config_map(&policy.mesh)),
        MeshConfigFormat::HelmValues => Some(mesh_config::istiod_values(&policy.mesh)),
        MeshConfigFormat::None => None,
    };
    if let Some(resource) = mesh_resource {
        mesh_wide.push(Compiled {
            resource,
            origin: policy.mesh.declared_at.into_iter().collect(),
            host: None,
        });
    }
    let slugs = names::host_slugs(&policy.hosts);
    let enforced = policy.gateway_enforces_namespaces();
    let contexts: Vec<HostContext> = policy
        .hosts
        .iter()
        .zip(&slugs)
        .map(|(host, slug)| HostContext {
            host,
            slug,
            mesh: &policy.mesh,
            enforced,
        })
        .collect();
    push_mesh_security(policy, &contexts, &mut mesh_wide);
    // The NetworkPolicies are large (every sidecar host's addresses): on every core too.
    let mut first = crate::parallel::map_owned(mesh_wide, hand_over);
    // Hosts compile independently of each other: on every core, in order.
    for hosts in contexts.chunks(hosts_per_chunk.max(1)) {
        let compiled = crate::parallel::map(hosts, |context| {
            host_resources(context)
                .into_iter()
                .map(hand_over)
                .collect::<Vec<R>>()
        });
        let mut chunk = std::mem::take(&mut first);
        chunk.reserve_exact(compiled.iter().map(Vec::len).sum());
        chunk.extend(compiled.into_iter().flatten());
        take(chunk)?;
    }
    if !first.is_empty() {
        // A policy without hosts: only the mesh-wide resources.
        take(first)?;
    }
    Ok(())
}

/// A host's resources, in the order the traffic meets them.
fn host_resources(context: &HostContext) -> Vec<Compiled> {
    let host = context.host;
    let mut out = Vec::with_capacity(5);
    let mut push = |resource: Option<Resource>| {
        if let Some(resource) = resource {
            out.push(Compiled {
                resource,
                origin: host.declared_at.clone(),
                host: Some(host.name.value.clone()),
            });
        }
    };
    push(Some(service_entry::service_entry(context)));
    if context.via_gateway() {
        push(Some(gateway::gateway(context)));
        push(Some(destination_rules::gateway_subset(context)));
    }
    push(destination_rules::tls_origination(context));
    if context.via_gateway() {
        push(Some(virtual_service::through_gateway(context)));
    }
    out
}

/// Where the gateway's enforcement comes from: the hosts through it limited to namespaces.
fn scoped_hosts(policy: &Policy) -> Vec<Span> {
    policy
        .hosts
        .iter()
        .filter(|h| h.via.value == Via::Gateway && !h.namespaces.is_empty())
        .flat_map(|h| h.declared_at.iter().copied())
        .collect()
}

/// The resources that make the gateway a boundary, after the mesh config: the gateway's
/// access log and AuthorizationPolicy, the per-namespace Sidecars and NetworkPolicies.
fn push_mesh_security(policy: &Policy, contexts: &[HostContext], out: &mut Vec<Compiled>) {
    let mesh_origin: Vec<Span> = policy.mesh.declared_at.into_iter().collect();
    let mut push = |resource: Resource, origin: Vec<Span>| {
        out.push(Compiled {
            resource,
            origin,
            host: None,
        });
    };
    if let Some(telemetry) = telemetry::gateway_access_log(&policy.mesh, contexts) {
        push(telemetry, mesh_origin.clone());
    }
    if policy.gateway_enforces_namespaces() {
        push(
            authorization_policy::gateway_authorization(&policy.mesh, contexts),
            scoped_hosts(policy),
        );
    }
    for sidecar in sidecar::registry_only_sidecars(&policy.mesh, contexts) {
        push(sidecar, mesh_origin.clone());
    }
    let network_origin: Vec<Span> = policy
        .mesh
        .network_policy
        .as_ref()
        .and_then(|n| n.declared_at)
        .into_iter()
        .collect();
    for network_policy in network_policy::network_policies(policy, contexts) {
        push(network_policy, network_origin.clone());
    }
}
