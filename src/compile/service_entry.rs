//! The ServiceEntry that puts a host into Istio's registry.
//!
//! Resolution decides where a proxy sends the traffic. `DNS` resolves the hostname, which the
//! gateway needs (with `NONE` it would forward to the original destination: itself). A
//! wildcard cannot be resolved, so direct from the sidecar it uses `NONE`; so does a host with
//! `addresses` direct from the sidecar, whose connections go where the app sent them. Through
//! the gateway, listed IPs become `STATIC` endpoints, the one way to tell the gateway where a
//! name-less TCP stream goes.

use super::HostContext;
use super::metadata::{clients, clients_and_gateway, object_meta};
use crate::istio::{NETWORKING_V1, Object, Resource, ServiceEntrySpec, ServicePort, WorkloadEntry};
use crate::policy::{PortDecl, Protocol};

pub fn service_entry(context: &HostContext) -> Resource {
    let host = context.host;
    let via_gateway = context.via_gateway();
    let mut ports: Vec<ServicePort> = Vec::new();
    for port in &host.ports {
        ports.push(app_port(port, via_gateway));
        // Through the gateway, TLS is originated toward a port of its own; from the sidecar,
        // the app port's `targetPort` already points there.
        if let (Some(target), true) = (&port.originate_tls, via_gateway)
            && !ports.iter().any(|p| p.number == target.value)
        {
            ports.push(service_port(target.value, "https", "HTTPS", None));
        }
    }
    ports.sort_by_key(|p| p.number);

    let addresses: Vec<String> = host.addresses.iter().map(|a| a.value.to_string()).collect();
    let (resolution, endpoints) = if via_gateway && !addresses.is_empty() {
        let endpoints = addresses
            .iter()
            .map(|address| WorkloadEntry {
                address: address.clone(),
            })
            .collect();
        ("STATIC", endpoints)
    } else if !via_gateway && (host.is_wildcard() || !addresses.is_empty()) {
        ("NONE", Vec::new())
    } else {
        ("DNS", Vec::new())
    };
    let export_to = if via_gateway {
        clients_and_gateway(host, &context.mesh.egress_gateway.namespace)
    } else {
        clients(host)
    };
    let spec = ServiceEntrySpec {
        hosts: vec![context.upstream().to_owned()],
        addresses,
        ports,
        location: Some("MESH_EXTERNAL".to_owned()),
        resolution: Some(resolution.to_owned()),
        endpoints,
        export_to,
    };
    let metadata = object_meta(
        context.name(""),
        &context.mesh.config_namespace,
        &host.metadata,
    );
    Resource::ServiceEntry(Object::new(NETWORKING_V1, "ServiceEntry", metadata, spec))
}

fn app_port(port: &PortDecl, via_gateway: bool) -> ServicePort {
    let number = port.number.value;
    match port.protocol {
        Protocol::Tls => service_port(number, "tls", "TLS", None),
        Protocol::Tcp => service_port(number, "tcp", "TCP", None),
        Protocol::Http => {
            let target = port
                .originate_tls
                .as_ref()
                .filter(|_| !via_gateway)
                .map(|t| t.value);
            service_port(number, "http", "HTTP", target)
        }
    }
}

fn service_port(number: u16, name: &str, protocol: &str, target_port: Option<u16>) -> ServicePort {
    ServicePort {
        number,
        name: format!("{name}-{number}"),
        protocol: protocol.to_owned(),
        target_port,
    }
}
