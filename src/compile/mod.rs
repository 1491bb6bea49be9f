//! Compiles the validated policy into typed Istio resources.
//!
//! One file per resource kind; this module decides which resources a host needs and in what
//! order they are emitted. Compile never reads KDL and never writes text, and it assumes
//! [`crate::validate`] has refused every known mistake: what reaches it is buildable.
//! Every resource records the policy spans it came from, so later checks can point at them.

mod destination_rules;
mod gateway;
mod mesh_config;
mod metadata;
pub(crate) mod names;
mod service_entry;
mod virtual_service;

use crate::istio::Resource;
use crate::policy::{Host, Mesh, Policy, Via};
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
}

impl HostContext<'_> {
    pub fn via_gateway(&self) -> bool {
        self.host.via.value == Via::Gateway
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

/// Compiles a policy, in a deterministic order: mesh settings first, then each host
/// (sorted by name) with its resources in the order the traffic meets them.
pub fn compile(policy: &Policy, options: Options) -> Vec<Compiled> {
    let mut out = Vec::new();
    let mesh_resource = match options.mesh_config {
        MeshConfigFormat::IstioOperator => Some(mesh_config::istio_operator(&policy.mesh)),
        MeshConfigFormat::ConfigMap => Some(mesh_config::config_map(&policy.mesh)),
        MeshConfigFormat::HelmValues => Some(mesh_config::istiod_values(&policy.mesh)),
        MeshConfigFormat::None => None,
    };
    if let Some(resource) = mesh_resource {
        out.push(Compiled {
            resource,
            origin: policy.mesh.declared_at.into_iter().collect(),
            host: None,
        });
    }
    let slugs = names::HostSlugs::new(&policy.hosts);
    for host in &policy.hosts {
        let context = HostContext {
            host,
            slug: slugs.get(&host.name.value),
            mesh: &policy.mesh,
        };
        let origin = || host.declared_at.clone();
        let mut push = |resource: Option<Resource>| {
            if let Some(resource) = resource {
                out.push(Compiled {
                    resource,
                    origin: origin(),
                    host: Some(host.name.value.clone()),
                });
            }
        };
        push(Some(service_entry::service_entry(&context)));
        if context.via_gateway() {
            push(Some(gateway::gateway(&context)));
            push(Some(destination_rules::gateway_subset(&context)));
        }
        push(destination_rules::tls_origination(&context));
        if context.via_gateway() {
            push(Some(virtual_service::through_gateway(&context)));
        }
    }
    let api_version = options.istio.networking_api();
    if api_version != crate::istio::NETWORKING_V1 {
        for item in &mut out {
            item.resource.set_networking_api(api_version);
        }
    }
    out
}
