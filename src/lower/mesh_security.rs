//! The `mesh` settings that make the egress gateway a boundary: `network-policy { ... }`,
//! `outbound-traffic-policy "registry-only" { namespaces ... }` and the gateway's
//! `access-log`. Split from [`super::mesh`] so each file reads one concern.

use std::collections::HashMap;

use kdl::KdlNode;

use super::mesh::{check_namespace, read_selector};
use super::reader::Reader;
use crate::diagnostic::{Diagnostic, codes};
use crate::policy::{NetworkPolicySettings, PodSelection};
use crate::source::Spanned;

/// `network-policy { namespaces ...; dns namespace=NS { selector ... }; istiod ... }`.
pub fn read_network_policy(reader: &mut Reader, node: &KdlNode) -> NetworkPolicySettings {
    reader.properties(node, &[]);
    reader.arguments(node, 0, 0, "arguments");
    let mut settings = NetworkPolicySettings {
        declared_at: Some(reader.head(node)),
        ..NetworkPolicySettings::default()
    };
    let mut seen = HashMap::new();
    for child in reader.children(node, &["namespaces", "dns", "istiod"]) {
        if !reader.first_of_its_name(&mut seen, child) {
            continue;
        }
        match child.name().value() {
            "namespaces" => settings.namespaces = read_namespace_list(reader, child),
            "dns" => read_pods(reader, child, &mut settings.dns),
            _ => read_pods(reader, child, &mut settings.istiod),
        }
    }
    settings
}

/// `dns namespace="kube-system" { selector k8s-app="kube-dns" }`: either part may be left
/// out, keeping the default.
fn read_pods(reader: &mut Reader, node: &KdlNode, pods: &mut PodSelection) {
    reader.arguments(node, 0, 0, "arguments (write namespace=\"NS\")");
    for property in reader.properties(node, &["namespace"]) {
        if let Some(namespace) = reader.string(property, "a namespace")
            && check_namespace(reader, &namespace)
        {
            pods.namespace = namespace.value;
        }
    }
    let mut seen = HashMap::new();
    for child in reader.children(node, &["selector"]) {
        if reader.first_of_its_name(&mut seen, child) {
            pods.selector = read_selector(reader, child);
        }
    }
}

/// `namespaces "a" "b"`: valid namespace names, sorted, each once.
pub fn read_namespace_list(reader: &mut Reader, node: &KdlNode) -> Vec<Spanned<String>> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let mut namespaces: Vec<Spanned<String>> = Vec::new();
    for entry in reader.arguments(node, 1, usize::MAX, "namespace") {
        let Some(namespace) = reader.string(entry, "a namespace") else {
            continue;
        };
        if check_namespace(reader, &namespace)
            && !namespaces.iter().any(|n| n.value == namespace.value)
        {
            namespaces.push(namespace);
        }
    }
    namespaces.sort_by(|a, b| a.value.cmp(&b.value));
    namespaces
}

/// The children block of `outbound-traffic-policy "registry-only" { namespaces ... }`.
pub fn read_outbound_namespaces(reader: &mut Reader, node: &KdlNode) -> Vec<Spanned<String>> {
    let mut namespaces = Vec::new();
    let mut seen = HashMap::new();
    for child in reader.children(node, &["namespaces"]) {
        if reader.first_of_its_name(&mut seen, child) {
            namespaces = read_namespace_list(reader, child);
        }
    }
    // A Sidecar without workloadSelector in Istio's root namespace is the default of every
    // namespace without its own: it would switch the whole mesh, not roll anything out.
    namespaces.retain(|namespace| {
        if namespace.value != ISTIO_ROOT_NAMESPACE {
            return true;
        }
        reader.report(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!("REGISTRY_ONLY cannot be rolled out to `{ISTIO_ROOT_NAMESPACE}`"),
            )
            .primary(
                namespace.span,
                "a Sidecar here would be the default of every namespace",
            )
            .help("leave out the `namespaces` block to make the whole mesh REGISTRY_ONLY"),
        );
        false
    });
    namespaces
}

/// Istio's root namespace, where a namespace-wide Sidecar applies mesh-wide.
const ISTIO_ROOT_NAMESPACE: &str = "istio-system";

/// A children block on `outbound-traffic-policy "allow-any"`: there is nothing to roll out.
pub fn namespaces_need_registry_only(reader: &mut Reader, node: &KdlNode) {
    if let Some(children) = node.children() {
        reader.report(
            Diagnostic::error(
                codes::MISPLACED,
                "`namespaces` only applies to `outbound-traffic-policy \"registry-only\"`",
            )
            .primary(
                reader.span(children.span()),
                "with \"allow-any\" no namespace is limited",
            )
            .help("remove the block, or write \"registry-only\" to roll it out namespace by namespace"),
        );
    }
}

/// `access-log "on"` (the default) or `"off"`.
pub fn read_access_log(reader: &mut Reader, node: &KdlNode) -> Option<bool> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, "value");
    let value = reader.string(args.first()?, "the access log setting")?;
    match value.value.as_str() {
        "on" => Some(true),
        "off" => Some(false),
        other => {
            reader.report(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("unknown access log setting `{other}`"),
                )
                .primary(value.span, "expected \"on\" or \"off\""),
            );
            None
        }
    }
}
