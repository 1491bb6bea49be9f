//! Typed Istio and Kubernetes resources (Kubernetes: `NetworkPolicy`), shaped exactly as their CRDs define them.
//!
//! Only the fields egressc reads or writes are modelled; field names follow the CRD's
//! camelCase through serde. Optional fields are skipped when empty, so the YAML says only what
//! was meant. These types carry no policy knowledge: [`crate::compile`] fills them in and the
//! renderer writes them out.

mod authorization_policy;
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
}

impl Resource {
    pub fn kind(&self) -> &str {
        &self.meta_and_type().0.kind
    }

    pub fn metadata(&self) -> &ObjectMeta {
        self.meta_and_type().1
    }

    fn meta_and_type(&self) -> (&TypeMeta, &ObjectMeta) {
        match self {
            Resource::ServiceEntry(o) => (&o.type_meta, &o.metadata),
            Resource::Gateway(o) => (&o.type_meta, &o.metadata),
            Resource::VirtualService(o) => (&o.type_meta, &o.metadata),
            Resource::DestinationRule(o) => (&o.type_meta, &o.metadata),
            Resource::IstioOperator(o) => (&o.type_meta, &o.metadata),
            Resource::AuthorizationPolicy(o) => (&o.type_meta, &o.metadata),
            Resource::Telemetry(o) => (&o.type_meta, &o.metadata),
            Resource::Sidecar(o) => (&o.type_meta, &o.metadata),
            Resource::NetworkPolicy(o) => (&o.type_meta, &o.metadata),
        }
    }
}
