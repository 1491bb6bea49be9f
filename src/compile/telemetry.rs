//! The `Telemetry` resource that turns on the egress gateway's access log.
//!
//! When egress fails, the gateway's log line says which of the two hops broke and why (the
//! response flags: `NR` no route, `UF` upstream failure, `UH` no healthy host; and `RBAC`
//! denials of the AuthorizationPolicy, with the caller's identity). Istio's default profile
//! writes no access log, so the first step of every egress investigation would be to turn it
//! on. Scoped to the gateway pods with their selector, so the sidecars' logging is left as the
//! mesh has it. `envoy` is the provider every Istio installation defines (text to stdout).

use super::HostContext;
use super::metadata::object_meta;
use crate::istio::{
    AccessLogging, Object, ProviderRef, Resource, TELEMETRY_V1, TelemetrySpec, WorkloadSelector,
};
use crate::policy::Mesh;

/// `None` when the policy turned the access log off, or routes nothing through the gateway.
pub fn gateway_access_log(mesh: &Mesh, hosts: &[HostContext]) -> Option<Resource> {
    let gateway = &mesh.egress_gateway;
    if !gateway.access_log || !hosts.iter().any(HostContext::via_gateway) {
        return None;
    }
    let spec = TelemetrySpec {
        selector: WorkloadSelector {
            match_labels: gateway.selector.clone(),
        },
        access_logging: vec![AccessLogging {
            providers: vec![ProviderRef {
                name: "envoy".to_owned(),
            }],
        }],
    };
    let metadata = object_meta(
        "egressc-access-log".to_owned(),
        &gateway.namespace,
        &mesh.metadata,
    );
    Some(Resource::Telemetry(Object::new(
        TELEMETRY_V1,
        "Telemetry",
        metadata,
        spec,
    )))
}
