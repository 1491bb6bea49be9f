//! The `mesh { ... }` block: the egress gateway, the outbound traffic policy and where the
//! generated resources live.

use std::collections::{BTreeMap, HashMap};

use kdl::KdlNode;

use super::mesh_security;
use super::reader::Reader;
use super::values;
use crate::diagnostic::{Diagnostic, codes};
use crate::policy::{EgressGateway, Mesh, Metadata, OutboundTrafficPolicy};
use crate::source::Spanned;

pub fn read(reader: &mut Reader, node: &KdlNode, metadata: &Metadata) -> Mesh {
    reader.properties(node, &[]);
    reader.arguments(node, 0, 0, "arguments");
    let mut mesh = Mesh {
        metadata: metadata.clone(),
        declared_at: Some(reader.head(node)),
        ..Mesh::default()
    };
    let mut config_namespace = None;
    let mut seen = HashMap::new();
    let children = reader.children(
        node,
        &[
            "egress-gateway",
            "outbound-traffic-policy",
            "config-namespace",
            "network-policy",
        ],
    );
    for child in children {
        if !reader.first_of_its_name(&mut seen, child) {
            continue;
        }
        match child.name().value() {
            "egress-gateway" => mesh.egress_gateway = read_gateway(reader, child),
            "outbound-traffic-policy" => {
                if let Some(policy) = read_outbound(reader, child) {
                    mesh.outbound_traffic_policy = policy;
                    if policy == OutboundTrafficPolicy::RegistryOnly {
                        mesh.registry_only_namespaces =
                            mesh_security::read_outbound_namespaces(reader, child);
                    } else {
                        mesh_security::namespaces_need_registry_only(reader, child);
                    }
                }
            }
            "network-policy" => {
                mesh.network_policy = Some(mesh_security::read_network_policy(reader, child));
            }
            "config-namespace" => config_namespace = read_namespace(reader, child, "namespace"),
            _ => unreachable!("children() returns only allowed nodes"),
        }
    }
    // Without a config namespace, resources live beside the gateway: every client can then
    // find the gateway's DestinationRule, since Istio looks in the gateway Service's namespace.
    mesh.config_namespace =
        config_namespace.unwrap_or_else(|| mesh.egress_gateway.namespace.clone());
    mesh
}

fn read_gateway(reader: &mut Reader, node: &KdlNode) -> EgressGateway {
    let mut gateway = EgressGateway::default();
    let args = reader.arguments(node, 1, 1, "gateway Service name");
    if let Some(name) = args
        .first()
        .and_then(|e| reader.string(e, "the gateway name"))
    {
        match values::dns_label(&name.value) {
            Ok(()) => gateway.name = name.value,
            Err(problem) => reader.report(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{}` is not a Service name: {problem}", name.value),
                )
                .primary(name.span, "the gateway's Kubernetes Service name"),
            ),
        }
    }
    for property in reader.properties(node, &["namespace"]) {
        if let Some(namespace) = reader.string(property, "the gateway namespace")
            && check_namespace(reader, &namespace)
        {
            gateway.namespace = namespace.value;
        }
    }
    let mut seen = HashMap::new();
    for child in reader.children(node, &["selector", "ports", "access-log"]) {
        if !reader.first_of_its_name(&mut seen, child) {
            continue;
        }
        if child.name().value() == "access-log" {
            if let Some(on) = mesh_security::read_access_log(reader, child) {
                gateway.access_log = on;
            }
        } else if child.name().value() == "selector" {
            gateway.selector = read_selector(reader, child);
        } else {
            reader.properties(child, &[]);
            reader.no_children(child);
            let args = reader.arguments(child, 1, usize::MAX, "ports");
            let mut ports: Vec<u16> = args
                .iter()
                .filter_map(|e| reader.port(e))
                .map(|p| p.value)
                .collect();
            ports.sort_unstable();
            ports.dedup();
            gateway.ports = ports;
            gateway.ports_declared_at = Some(reader.head(child));
        }
    }
    gateway
}

/// `selector istio="egressgateway"`: the gateway pods' labels, as properties.
pub(super) fn read_selector(reader: &mut Reader, node: &KdlNode) -> BTreeMap<String, String> {
    reader.no_children(node);
    reader.arguments(node, 0, 0, "arguments (write labels as key=\"value\")");
    let mut selector = BTreeMap::new();
    for entry in node.entries() {
        let Some(key) = entry.name() else { continue };
        let Some(value) = reader.string(entry, "a selector label value") else {
            continue;
        };
        let problem = values::metadata_key(key.value())
            .and_then(|()| values::label_value(&value.value))
            .err();
        if let Some((message, _)) = problem {
            reader.report(
                Diagnostic::error(
                    codes::INVALID_METADATA,
                    format!("invalid selector {message}"),
                )
                .primary(value.span, "not a valid label"),
            );
        } else if selector
            .insert(key.value().to_owned(), value.value)
            .is_some()
        {
            reader.report(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!("selector label `{}` given twice", key.value()),
                )
                .primary(value.span, "given again here"),
            );
        }
    }
    if node.entries().iter().all(|e| e.name().is_none()) {
        reader.report(
            Diagnostic::error(
                codes::WRONG_ARGUMENTS,
                "`selector` needs at least one label",
            )
            .primary(reader.head(node), "expected key=\"value\"")
            .help("Istio's egress gateway pods carry `istio=\"egressgateway\"`"),
        );
    }
    selector
}

fn read_outbound(reader: &mut Reader, node: &KdlNode) -> Option<OutboundTrafficPolicy> {
    reader.properties(node, &[]);
    let args = reader.arguments(node, 1, 1, "mode");
    let mode = reader.string(args.first()?, "the outbound traffic policy")?;
    match mode.value.as_str() {
        "registry-only" => Some(OutboundTrafficPolicy::RegistryOnly),
        "allow-any" => Some(OutboundTrafficPolicy::AllowAny),
        other => {
            let mut diagnostic = Diagnostic::error(
                codes::INVALID_VALUE,
                format!("unknown outbound traffic policy `{other}`"),
            )
            .primary(mode.span, "expected \"registry-only\" or \"allow-any\"");
            if let Some(near) = super::did_you_mean(
                &other.to_ascii_lowercase().replace('_', "-"),
                &["registry-only", "allow-any"],
            ) {
                diagnostic = diagnostic.help(format!("did you mean \"{near}\"?"));
            }
            reader.report(diagnostic);
            None
        }
    }
}

pub fn read_namespace(reader: &mut Reader, node: &KdlNode, what: &str) -> Option<String> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, what);
    let namespace = reader.string(args.first()?, "a namespace")?;
    check_namespace(reader, &namespace).then_some(namespace.value)
}

pub fn check_namespace(reader: &mut Reader, namespace: &Spanned<String>) -> bool {
    match values::namespace(&namespace.value) {
        Ok(()) => true,
        Err((message, help)) => {
            let mut diagnostic = Diagnostic::error(codes::INVALID_NAMESPACE, message)
                .primary(namespace.span, "namespaces are DNS-1123 labels");
            if let Some(help) = help {
                diagnostic = diagnostic.help(help);
            }
            reader.report(diagnostic);
            false
        }
    }
}
