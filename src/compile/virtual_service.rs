//! The VirtualService with both hops: sidecar (`mesh`) -> egress gateway -> external host.
//!
//! Each port gets a pair of routes of the kind its protocol needs: `tls` routes matched on
//! SNI for passthrough, `http` routes for HTTP, `tcp` routes for TCP (after the gateway has
//! terminated the mutual-TLS hop). The first hop goes to the gateway Service's subset for this
//! host on the same port; the second, bound to the Gateway, to the host itself, on the
//! origination port when TLS is originated. When the gateway enforces namespaces, `tls`
//! arrives inside the mutual-TLS hop: the sidecar still matches the app's SNI, and the
//! gateway forwards what it decrypted by `tcp` route.

use super::HostContext;
use super::metadata::{clients_and_gateway, object_meta};
use crate::istio::{
    Destination, NETWORKING_V1, Object, PortSelector, Resource, Route, RouteDestination,
    RouteMatch, VirtualServiceSpec,
};
use crate::policy::Protocol;

/// The name by which routes refer to the `mesh` pseudo-gateway: every sidecar.
const MESH: &str = "mesh";

pub fn through_gateway(context: &HostContext) -> Resource {
    let host = context.host;
    let gateway = &context.mesh.egress_gateway;
    let config_namespace = &context.mesh.config_namespace;
    // Gateway references are resolved in the VirtualService's namespace unless qualified.
    let gateway_ref = if *config_namespace == gateway.namespace {
        context.name("")
    } else {
        format!("{}/{}", gateway.namespace, context.name(""))
    };
    let mut spec = VirtualServiceSpec {
        hosts: vec![host.name.value.clone()],
        gateways: vec![MESH.to_owned(), gateway_ref.clone()],
        export_to: clients_and_gateway(host, &gateway.namespace),
        ..VirtualServiceSpec::default()
    };
    for port in &host.ports {
        let number = port.number.value;
        let sni_hosts = if port.protocol == Protocol::Tls {
            vec![host.name.value.clone()]
        } else {
            Vec::new()
        };
        let to_gateway = route(
            MESH,
            number,
            &sni_hosts,
            Destination {
                host: gateway.service_host(),
                subset: Some(context.subset()),
                port: Some(PortSelector { number }),
            },
        );
        let upstream_port = port.originate_tls.as_ref().map_or(number, |t| t.value);
        let to_host = route(
            &gateway_ref,
            number,
            &sni_hosts,
            Destination {
                host: context.upstream().to_owned(),
                subset: None,
                port: Some(PortSelector {
                    number: upstream_port,
                }),
            },
        );
        match port.protocol {
            // Through a mutual-TLS hop the gateway terminates Istio's TLS and forwards the
            // app's own TLS as an opaque stream: a `tcp` route, as Istio's recipe writes it.
            Protocol::Tls if context.hop_is_istio_mutual(port) => {
                spec.tls.push(to_gateway);
                spec.tcp.push(without_sni(to_host));
            }
            Protocol::Tls => spec.tls.extend([to_gateway, to_host]),
            Protocol::Http => spec.http.extend([to_gateway, to_host]),
            Protocol::Tcp => spec.tcp.extend([to_gateway, to_host]),
        }
    }
    let metadata = object_meta(context.name(""), config_namespace, &host.metadata);
    Resource::VirtualService(Object::new(NETWORKING_V1, "VirtualService", metadata, spec))
}

fn without_sni(mut route: Route) -> Route {
    for m in &mut route.matches {
        m.sni_hosts.clear();
    }
    route
}

fn route(gateway: &str, port: u16, sni_hosts: &[String], destination: Destination) -> Route {
    Route {
        matches: vec![RouteMatch {
            gateways: vec![gateway.to_owned()],
            port: Some(port),
            sni_hosts: sni_hosts.to_vec(),
        }],
        route: vec![RouteDestination { destination }],
    }
}
