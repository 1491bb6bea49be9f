//! DestinationRules: the gateway subset of the first hop, and TLS origination at the last.
//!
//! Istio finds the DestinationRule of a host by looking, from the *client's* side, in the
//! client's namespace, then in the namespace of the host's Service, then in the root
//! namespace. The gateway subset's rule is for the gateway Service, so it lives in the
//! gateway's namespace and is exported to the clients; written anywhere else it would be
//! invisible and the route to its subset would fail with 503 (no cluster).

use super::HostContext;
use super::metadata::{clients, object_meta};
use crate::istio::{
    ClientTls, DestinationRuleSpec, NETWORKING_V1, Object, PortSelector, PortTrafficPolicy,
    Resource, Subset, TrafficPolicy,
};

pub fn gateway_subset(context: &HostContext) -> Resource {
    let gateway = &context.mesh.egress_gateway;
    // The SNI of the mutual-TLS hop tells the gateway which server (and so which host) the
    // connection is for; it must match the Gateway server's host.
    let sni = context.upstream();
    let port_level_settings: Vec<_> = context
        .host
        .ports
        .iter()
        .filter(|port| context.hop_is_istio_mutual(port))
        .map(|port| PortTrafficPolicy {
            port: PortSelector {
                number: port.number.value,
            },
            tls: ClientTls {
                mode: "ISTIO_MUTUAL".to_owned(),
                sni: Some(sni.to_owned()),
                ..ClientTls::default()
            },
        })
        .collect();
    let subset = Subset {
        name: context.subset(),
        traffic_policy: (!port_level_settings.is_empty()).then_some(TrafficPolicy {
            port_level_settings,
        }),
    };
    let spec = DestinationRuleSpec {
        host: gateway.service_host(),
        traffic_policy: None,
        subsets: vec![subset],
        export_to: clients(context.host),
    };
    let metadata = object_meta(
        context.name("egressgateway-for-"),
        &gateway.namespace,
        &context.host.metadata,
    );
    Resource::DestinationRule(Object::new(
        NETWORKING_V1,
        "DestinationRule",
        metadata,
        spec,
    ))
}

/// TLS origination toward the host, verifying its certificate whatever the Istio version's
/// defaults: `sni` (Envoy sends none by default), `subjectAltNames` and `caCertificates`
/// (Istio's security best practices). `None` when the host originates no TLS.
///
/// Through the gateway the rule is exported to the gateway's namespace only: sidecars must
/// not originate TLS toward the host, or an app speaking HTTPS to it directly would be
/// encrypted twice. From the sidecar, the rule is keyed by the app's port, whose
/// `targetPort` leads to the TLS port.
pub fn tls_origination(context: &HostContext) -> Option<Resource> {
    let host = context.host;
    let upstream = context.upstream();
    let via_gateway = context.via_gateway();
    let mut port_level_settings: Vec<PortTrafficPolicy> = Vec::new();
    for port in &host.ports {
        let Some(target) = &port.originate_tls else {
            continue;
        };
        let number = if via_gateway {
            target.value
        } else {
            port.number.value
        };
        if port_level_settings.iter().any(|p| p.port.number == number) {
            continue;
        }
        port_level_settings.push(PortTrafficPolicy {
            port: PortSelector { number },
            tls: ClientTls {
                mode: "SIMPLE".to_owned(),
                ca_certificates: Some(host.ca_certificates.value.clone()),
                subject_alt_names: vec![upstream.to_owned()],
                sni: Some(upstream.to_owned()),
            },
        });
    }
    if port_level_settings.is_empty() {
        return None;
    }
    port_level_settings.sort_by_key(|p| p.port.number);
    let export_to = if via_gateway {
        vec![context.mesh.egress_gateway.namespace.clone()]
    } else {
        clients(host)
    };
    let spec = DestinationRuleSpec {
        host: upstream.to_owned(),
        traffic_policy: Some(TrafficPolicy {
            port_level_settings,
        }),
        subsets: Vec::new(),
        export_to,
    };
    let metadata = object_meta(
        context.name("originate-tls-"),
        &context.mesh.config_namespace,
        &host.metadata,
    );
    Some(Resource::DestinationRule(Object::new(
        NETWORKING_V1,
        "DestinationRule",
        metadata,
        spec,
    )))
}
