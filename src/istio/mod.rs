//! Typed Istio and Kubernetes resources (Kubernetes: `NetworkPolicy`), shaped exactly as their CRDs define them.
//!
//! Only the fields egressc reads or writes are modelled; field names follow the CRD's
//! camelCase through serde. Optional fields are skipped when empty, so the YAML says only what
//! was meant. These types carry no policy knowledge: [`crate::compile`] fills them in and the
//! renderer writes them out.

mod authorization_policy;
mod config_map;
mod destination_rule;
mod gateway;
mod istio_operator;
mod meta;
mod network_policy;
mod service_entry;
mod sidecar;
mod telemetry;
mod virtual_service;

pub use authorization_policy::*;
pub use config_map::*;
pub use destination_rule::*;
pub use gateway::*;
pub use istio_operator::*;
pub use meta::*;
pub use network_policy::*;
pub use service_entry::*;
pub use sidecar::*;
pub use telemetry::*;
pub use virtual_service::*;

use serde::Serialize;

/// The API group and version of Istio's networking resources that egressc writes.
pub const NETWORKING_V1: &str = "networking.istio.io/v1";
/// The same resources as Istio before 1.22 serves them (see [`crate::target`]).
pub const NETWORKING_V1BETA1: &str = "networking.istio.io/v1beta1";

/// What [`Resource::kind`] says for the istiod chart's values, which have no `kind`.
pub const HELM_VALUES_KIND: &str = "HelmValues";

/// One resource egressc can emit.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Resource {
    ServiceEntry(Object<ServiceEntrySpec>),
    Gateway(Object<GatewaySpec>),
    VirtualService(Object<VirtualServiceSpec>),
    DestinationRule(Object<DestinationRuleSpec>),
    IstioOperator(Object<IstioOperatorSpec>),
    AuthorizationPolicy(Object<AuthorizationPolicySpec>),
    Telemetry(Object<TelemetrySpec>),
    Sidecar(Object<SidecarSpec>),
    NetworkPolicy(Object<NetworkPolicySpec>),
    /// The `istio` ConfigMap holding MeshConfig.
    MeshConfigMap(ConfigMap),
    /// Values of the istiod Helm chart: not a Kubernetes object.
    IstiodValues(IstiodValues),
}

impl Resource {
    pub fn kind(&self) -> &str {
        self.meta_and_type()
            .map_or(HELM_VALUES_KIND, |(t, _)| &t.kind)
    }

    /// The object's metadata; `None` for chart values, which are not an object.
    pub fn metadata(&self) -> Option<&ObjectMeta> {
        self.meta_and_type().map(|(_, m)| m)
    }

    /// The object's `apiVersion` and `kind`; `None` for chart values, which are not an object.
    pub fn type_meta(&self) -> Option<&TypeMeta> {
        self.meta_and_type().map(|(t, _)| t)
    }

    /// Writes the resource in the API version Istio served before 1.22, when `v1` came to
    /// networking, security and telemetry (same fields; see [`crate::target`]).
    pub fn use_pre_v1_api(&mut self) {
        let (type_meta, api_version) = match self {
            Resource::ServiceEntry(o) => (&mut o.type_meta, NETWORKING_V1BETA1),
            Resource::Gateway(o) => (&mut o.type_meta, NETWORKING_V1BETA1),
            Resource::VirtualService(o) => (&mut o.type_meta, NETWORKING_V1BETA1),
            Resource::DestinationRule(o) => (&mut o.type_meta, NETWORKING_V1BETA1),
            Resource::Sidecar(o) => (&mut o.type_meta, NETWORKING_V1BETA1),
            Resource::AuthorizationPolicy(o) => (&mut o.type_meta, "security.istio.io/v1beta1"),
            Resource::Telemetry(o) => (&mut o.type_meta, "telemetry.istio.io/v1alpha1"),
            Resource::IstioOperator(_)
            | Resource::NetworkPolicy(_)
            | Resource::MeshConfigMap(_)
            | Resource::IstiodValues(_) => return,
        };
        api_version.clone_into(&mut type_meta.api_version);
    }

    fn meta_and_type(&self) -> Option<(&TypeMeta, &ObjectMeta)> {
        Some(match self {
            Resource::ServiceEntry(o) => (&o.type_meta, &o.metadata),
            Resource::Gateway(o) => (&o.type_meta, &o.metadata),
            Resource::VirtualService(o) => (&o.type_meta, &o.metadata),
            Resource::DestinationRule(o) => (&o.type_meta, &o.metadata),
            Resource::IstioOperator(o) => (&o.type_meta, &o.metadata),
            Resource::AuthorizationPolicy(o) => (&o.type_meta, &o.metadata),
            Resource::Telemetry(o) => (&o.type_meta, &o.metadata),
            Resource::Sidecar(o) => (&o.type_meta, &o.metadata),
            Resource::NetworkPolicy(o) => (&o.type_meta, &o.metadata),
            Resource::MeshConfigMap(o) => (&o.type_meta, &o.metadata),
            Resource::IstiodValues(_) => return None,
        })
    }
}
