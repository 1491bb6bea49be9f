//! The Gateway resource: one server per port a host uses through the egress gateway.
//!
//! `tls` passes the app's TLS through, routed by SNI (PASSTHROUGH). Origination and TCP make
//! the sidecar wrap the hop in Istio mutual TLS, which the server terminates (ISTIO_MUTUAL):
//! for origination, so the plain HTTP is not in the clear between pods and the gateway can
//! route on the SNI the sidecar sets; for TCP, because that SNI is the only name a raw TCP
//! stream carries. Plain HTTP is routed by its Host header.
//!
//! When the gateway enforces namespaces (a host is limited with `namespaces`), every server
//! is ISTIO_MUTUAL: the gateway learns the caller's identity only from the client
//! certificate of a hop it terminates, and one server without it would leave the
//! AuthorizationPolicy blind there (M025). `tls` is then wrapped in the mutual-TLS hop and
//! forwarded as TCP, plain `http` is served as HTTPS over it, as in Istio's recipes.

use super::HostContext;
use super::metadata::object_meta;
use crate::istio::{GatewaySpec, NETWORKING_V1, Object, Resource, Server, ServerPort, ServerTls};
use crate::policy::{PortDecl, Protocol};

/// The Gateway lives in the gateway's namespace: there it selects the gateway pods even
/// where Istio scopes Gateways to their own namespace (`PILOT_SCOPE_GATEWAY_TO_NAMESPACE`).
pub fn gateway(context: &HostContext) -> Resource {
    let gateway = &context.mesh.egress_gateway;
    let servers = context
        .host
        .ports
        .iter()
        .map(|port| {
            server(
                port,
                &context.host.name.value,
                context.hop_is_istio_mutual(port),
            )
        })
        .collect();
    let spec = GatewaySpec {
        selector: gateway.selector.clone(),
        servers,
    };
    let metadata = object_meta(context.name(""), &gateway.namespace, &context.host.metadata);
    Resource::Gateway(Object::new(NETWORKING_V1, "Gateway", metadata, spec))
}

fn server(port: &PortDecl, host: &str, mutual: bool) -> Server {
    let number = port.number.value;
    let (name, protocol, mode) = match (port.protocol, mutual) {
        (Protocol::Tls, false) => ("tls", "TLS", Some("PASSTHROUGH")),
        (Protocol::Http, false) => ("http", "HTTP", None),
        (Protocol::Http, true) => ("https", "HTTPS", Some("ISTIO_MUTUAL")),
        // A TCP hop is always mutual: its SNI is the only name the stream carries.
        (Protocol::Tls, true) | (Protocol::Tcp, _) => ("tls", "TLS", Some("ISTIO_MUTUAL")),
    };
    Server {
        port: ServerPort {
            number,
            name: format!("{name}-{number}"),
            protocol: protocol.to_owned(),
        },
        hosts: vec![host.to_owned()],
        tls: mode.map(|mode| ServerTls {
            mode: mode.to_owned(),
        }),
    }
}

/// Whether the hop of this port is Istio mutual TLS when the gateway does not enforce
/// namespaces (see [`super::HostContext::hop_is_istio_mutual`]).
pub fn hop_is_istio_mutual(port: &PortDecl) -> bool {
    match port.protocol {
        Protocol::Tls => false,
        Protocol::Http => port.originate_tls.is_some(),
        Protocol::Tcp => true,
    }
}
