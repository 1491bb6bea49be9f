//! `host NAME { ... }`: one external destination, its ports, route and scope.

use std::collections::HashMap;

use kdl::KdlNode;

use super::reader::Reader;
use super::{Defaults, metadata, values};
use crate::diagnostic::{Diagnostic, codes};
use crate::policy::{Address, Host, Metadata, PortDecl, Protocol, SYSTEM_CA_BUNDLE, Via};
use crate::source::Spanned;

const HOST_CHILDREN: &[&str] = &[
    "tls",
    "http",
    "tcp",
    "via",
    "addresses",
    "namespaces",
    "served-by",
    "ca-certificates",
    "labels",
    "annotations",
];

/// Reads a `host` block. Returns `None` when its name is unusable; other problems are reported
/// and the host is returned with what could be read, so later checks still run.
pub(super) fn read(reader: &mut Reader, node: &KdlNode, defaults: &Defaults) -> Option<Host> {
    reader.properties(node, &[]);
    let args = reader.arguments(node, 1, 1, "hostname");
    let name = reader.string(args.first()?, "a hostname")?;
    if let Err((message, help)) = values::hostname(&name.value) {
        let mut diagnostic = Diagnostic::error(
            codes::INVALID_HOSTNAME,
            format!("invalid hostname {message}"),
        )
        .primary(name.span, "hosts are lower-case FQDNs or `*.` wildcards");
        if let Some(help) = help {
            diagnostic = diagnostic.help(help);
        }
        reader.report(diagnostic);
        return None;
    }
    let mut host = Host {
        name,
        ports: Vec::new(),
        via: defaults
            .via
            .clone()
            .unwrap_or_else(|| Spanned::new(Via::Gateway, reader.head(node))),
        addresses: Vec::new(),
        namespaces: Vec::new(),
        served_by: None,
        ca_certificates: defaults
            .ca_certificates
            .clone()
            .unwrap_or_else(|| Spanned::new(SYSTEM_CA_BUNDLE.to_owned(), reader.head(node))),
        metadata: defaults.metadata.clone(),
        declared_at: vec![reader.head(node)],
    };
    let mut seen = HashMap::new();
    for child in reader.children(node, HOST_CHILDREN) {
        let name = child.name().value();
        if matches!(name, "tls" | "http" | "tcp") {
            if let Some(port) = read_port(reader, child) {
                add_port(reader, &mut host, port);
            }
            continue;
        }
        if !reader.first_of_its_name(&mut seen, child) {
            continue;
        }
        match name {
            "via" => host.via = read_via(reader, child).unwrap_or(host.via),
            "addresses" => host.addresses = read_addresses(reader, child),
            "namespaces" => host.namespaces = read_namespaces(reader, child),
            "served-by" => host.served_by = read_served_by(reader, child, &host),
            "ca-certificates" => {
                if let Some(ca) = read_ca_certificates(reader, child) {
                    host.ca_certificates = ca;
                }
            }
            "labels" => merge_over(
                &mut host.metadata,
                metadata::read_labels(reader, child),
                true,
            ),
            "annotations" => {
                merge_over(
                    &mut host.metadata,
                    metadata::read_annotations(reader, child),
                    false,
                );
            }
            _ => unreachable!("children() returns only allowed nodes"),
        }
    }
    let declares_ports = node.children().is_some_and(|c| {
        c.nodes()
            .iter()
            .any(|n| matches!(n.name().value(), "tls" | "http" | "tcp"))
    });
    if !declares_ports {
        reader.report(
            Diagnostic::error(
                codes::MISSING_NODE,
                format!("host `{}` declares no port", host.name.value),
            )
            .primary(reader.head(node), "no `tls`, `http` or `tcp` inside")
            .help("say how apps talk to it, such as `tls 443` or `http 80`"),
        );
    }
    if let (Some(served_by), Via::Sidecar) = (&host.served_by, host.via.value) {
        reader.report(
            Diagnostic::error(
                codes::MISPLACED,
                "`served-by` only applies through the egress gateway",
            )
            .primary(
                served_by.span,
                "the sidecar forwards each name where the app sent it",
            )
            .secondary(host.via.span, "routed via the sidecar")
            .help("remove `served-by`, or route the host `via \"gateway\"`"),
        );
    }
    if host.is_wildcard() {
        // Raw TCP carries no hostname (no SNI, no Host header), so a wildcard matches nothing.
        for port in host.ports.iter().filter(|p| p.protocol == Protocol::Tcp) {
            reader.report(
                Diagnostic::error(
                    codes::MISPLACED,
                    "`tcp` cannot be declared on a wildcard host",
                )
                .primary(
                    port.span,
                    "raw TCP carries no hostname for a wildcard to match",
                )
                .help("declare each concrete host with its `addresses`"),
            );
        }
    }
    host.ports.sort_by_key(|p| p.number.value);
    Some(host)
}

/// Host-level labels and annotations override the file's defaults key by key.
fn merge_over(
    metadata: &mut Metadata,
    pairs: std::collections::BTreeMap<String, Spanned<String>>,
    labels: bool,
) {
    let target = if labels {
        &mut metadata.labels
    } else {
        &mut metadata.annotations
    };
    target.extend(pairs);
}

/// The same port declared twice in one block is a slip; with two protocols it is a mistake
/// that [`crate::validate`] explains, so both declarations are kept for it.
fn add_port(reader: &mut Reader, host: &mut Host, port: PortDecl) {
    if let Some(same) = host.ports.iter().find(|p| **p == port) {
        reader.report(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("port {} is declared twice", port.number.value),
            )
            .primary(port.span, "declared again here")
            .secondary(same.span, "first declared here"),
        );
        return;
    }
    host.ports.push(port);
}

/// `tls P`, `http P [originate-tls=Q]`, `tcp P`.
fn read_port(reader: &mut Reader, node: &KdlNode) -> Option<PortDecl> {
    reader.no_children(node);
    let protocol = match node.name().value() {
        "tls" => Protocol::Tls,
        "http" => Protocol::Http,
        _ => Protocol::Tcp,
    };
    // `tcp` takes no properties; `tls` is read with `originate-tls` allowed because its use
    // there is reported below as the mistake it is, not as an unknown name.
    let allowed: &[&str] = match protocol {
        Protocol::Http | Protocol::Tls => &["originate-tls"],
        Protocol::Tcp => &[],
    };
    if protocol == Protocol::Tls
        && let Some(entry) = node.entry("originate-tls")
    {
        reader.report(
                Diagnostic::error(
                    codes::TLS_INSIDE_TLS,
                    "TLS origination on a port where the app already speaks TLS",
                )
                .primary(reader.span(entry.span()), "this would encrypt the app's TLS a second time")
                .help("the server would see TLS inside TLS and fail the handshake (`WRONG_VERSION_NUMBER`); \
                       drop `originate-tls`, or declare `http PORT originate-tls=...` if the app sends plain HTTP"),
            );
    }
    let properties = reader.properties(node, allowed);
    let args = reader.arguments(node, 1, 1, "port");
    let number = reader.port(args.first()?)?;
    let originate_tls = match properties.first() {
        Some(entry) if protocol == Protocol::Http => Some(reader.port(entry)?),
        _ => None,
    };
    Some(PortDecl {
        number,
        protocol,
        originate_tls,
        span: reader.head(node),
    })
}

pub(super) fn read_via(reader: &mut Reader, node: &KdlNode) -> Option<Spanned<Via>> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, "route");
    let via = reader.string(args.first()?, "the route")?;
    match via.value.as_str() {
        "gateway" => Some(Spanned::new(Via::Gateway, via.span)),
        "sidecar" => Some(Spanned::new(Via::Sidecar, via.span)),
        other => {
            let mut diagnostic =
                Diagnostic::error(codes::INVALID_VALUE, format!("unknown route `{other}`"))
                    .primary(via.span, "expected \"gateway\" or \"sidecar\"");
            if let Some(near) = super::did_you_mean(other, &["gateway", "sidecar"]) {
                diagnostic = diagnostic.help(format!("did you mean \"{near}\"?"));
            }
            reader.report(diagnostic);
            None
        }
    }
}

pub(super) fn read_ca_certificates(reader: &mut Reader, node: &KdlNode) -> Option<Spanned<String>> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, "file path");
    let path = reader.string(args.first()?, "the CA bundle")?;
    if !path.value.starts_with('/') {
        reader.report(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!("`{}` is not an absolute path", path.value),
            )
            .primary(path.span, "a path inside the proxy container")
            .help(format!(
                "the proxy image's own bundle is `{SYSTEM_CA_BUNDLE}`"
            )),
        );
        return None;
    }
    Some(path)
}

fn read_addresses(reader: &mut Reader, node: &KdlNode) -> Vec<Spanned<Address>> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let mut addresses: Vec<Spanned<Address>> = Vec::new();
    for entry in reader.arguments(node, 1, usize::MAX, "IP address or CIDR") {
        let Some(text) = reader.string(entry, "an address") else {
            continue;
        };
        match Address::parse(&text.value) {
            Ok(address) if addresses.iter().any(|a| a.value == address) => {}
            Ok(address) => addresses.push(Spanned::new(address, text.span)),
            Err((message, help)) => {
                let mut diagnostic = Diagnostic::error(codes::INVALID_ADDRESS, message).primary(
                    text.span,
                    "expected an IP such as 203.0.113.10 or a range such as 203.0.113.0/24",
                );
                if let Some(help) = help {
                    diagnostic = diagnostic.help(help);
                }
                reader.report(diagnostic);
            }
        }
    }
    addresses.sort_by_key(|a| a.value);
    addresses
}

fn read_namespaces(reader: &mut Reader, node: &KdlNode) -> Vec<Spanned<String>> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let mut namespaces: Vec<Spanned<String>> = Vec::new();
    for entry in reader.arguments(node, 1, usize::MAX, "namespace") {
        let Some(namespace) = reader.string(entry, "a namespace") else {
            continue;
        };
        if super::mesh::check_namespace(reader, &namespace)
            && !namespaces.iter().any(|n| n.value == namespace.value)
        {
            namespaces.push(namespace);
        }
    }
    namespaces.sort_by(|a, b| a.value.cmp(&b.value));
    namespaces
}

fn read_served_by(reader: &mut Reader, node: &KdlNode, host: &Host) -> Option<Spanned<String>> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, "hostname");
    let served_by = reader.string(args.first()?, "a hostname")?;
    if !host.is_wildcard() {
        reader.report(
            Diagnostic::error(
                codes::MISPLACED,
                "`served-by` only applies to wildcard hosts",
            )
            .primary(
                reader.head(node),
                format!("`{}` is already one concrete host", host.name.value),
            )
            .help("remove `served-by`"),
        );
        return None;
    }
    let problem = match values::hostname(&served_by.value) {
        Err((message, _)) => Some(message),
        Ok(()) if served_by.value.starts_with("*.") => {
            Some("the server behind a wildcard must be one concrete host".to_owned())
        }
        Ok(()) if !served_by.value.ends_with(&host.name.value[1..]) => Some(format!(
            "`{}` is not a name under `{}`",
            served_by.value, host.name.value
        )),
        Ok(()) => None,
    };
    if let Some(message) = problem {
        reader.report(
            Diagnostic::error(
                codes::INVALID_HOSTNAME,
                format!("invalid `served-by`: {message}"),
            )
            .primary(
                served_by.span,
                "expected a concrete host such as `www.wikipedia.org`",
            ),
        );
        return None;
    }
    Some(served_by)
}
