//! Lowers one parsed KDL file into the policy model, validating as it goes.
//!
//! This is where the language's shape lives: which nodes exist, what they take, which values
//! are valid. It reads one file at a time and applies that file's `defaults`; combining files
//! is [`crate::merge`]'s job, and judging whether the result is a known Istio mistake is
//! [`crate::validate`]'s. It never produces Istio resources.

mod host;
mod mesh;
mod mesh_security;
mod metadata;
mod reader;
mod rules;
pub mod values;

use std::collections::HashMap;

use kdl::{KdlDocument, KdlValue};

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Host, Mesh, Metadata, RuleOverride, Via};
use crate::source::{SourceId, Span, Spanned};

use reader::Reader;
pub use reader::did_you_mean;

/// The policy language versions this egressc reads.
pub const SUPPORTED_VERSION: i128 = 1;

const TOP_LEVEL: &[&str] = &["version", "mesh", "defaults", "host", "rules"];

/// What one file declares, with its defaults applied.
#[derive(Debug)]
pub struct PolicyFile {
    pub source: SourceId,
    pub mesh: Option<Mesh>,
    pub hosts: Vec<Host>,
    pub rules: Vec<RuleOverride>,
}

/// Settings of a file's `defaults` block, applied to everything the file declares.
#[derive(Debug, Default)]
struct Defaults {
    metadata: Metadata,
    via: Option<Spanned<Via>>,
    ca_certificates: Option<Spanned<String>>,
}

/// Lowers a parsed file. Problems go to `diagnostics`; what could be read is returned anyway.
pub fn lower(
    source: SourceId,
    document: &KdlDocument,
    diagnostics: &mut Diagnostics,
) -> PolicyFile {
    let mut reader = Reader {
        source,
        diagnostics,
    };
    let mut file = PolicyFile {
        source,
        mesh: None,
        hosts: Vec::new(),
        rules: Vec::new(),
    };
    if document.nodes().is_empty() {
        reader.report(
            Diagnostic::error(codes::EMPTY_POLICY, "policy file declares nothing")
                .primary(Span::new(source, 0, 0), "empty file")
                .help("start the file with `version 1`, then declare `host` blocks"),
        );
        return file;
    }
    check_version(&mut reader, document);

    let mut seen = HashMap::new();
    let nodes: Vec<_> = document
        .nodes()
        .iter()
        .filter(|node| reader.known_node(node, TOP_LEVEL, "the top level of a policy"))
        .collect();
    let mut defaults = Defaults::default();
    for node in nodes.iter().filter(|n| n.name().value() == "defaults") {
        if reader.first_of_its_name(&mut seen, node) {
            defaults = read_defaults(&mut reader, node);
        }
    }
    for node in &nodes {
        match node.name().value() {
            "mesh" if reader.first_of_its_name(&mut seen, node) => {
                file.mesh = Some(mesh::read(&mut reader, node, &defaults.metadata));
            }
            "host" => file.hosts.extend(host::read(&mut reader, node, &defaults)),
            "rules" if reader.first_of_its_name(&mut seen, node) => {
                file.rules = rules::read(&mut reader, node);
            }
            _ => {}
        }
    }
    file
}

/// Every file starts its life with `version 1`, so the language can change without breaking it.
fn check_version(reader: &mut Reader, document: &KdlDocument) {
    let mut seen = HashMap::new();
    let versions: Vec<_> = document
        .nodes()
        .iter()
        .filter(|n| n.name().value() == "version")
        .filter(|n| reader.first_of_its_name(&mut seen, n))
        .collect();
    let Some(node) = versions.first() else {
        let first = reader.head(&document.nodes()[0]);
        reader.report(
            Diagnostic::error(codes::MISSING_VERSION, "policy file has no `version`")
                .primary(
                    Span::new(first.source, first.start as usize, first.start as usize),
                    "expected `version 1` before this",
                )
                .help("add `version 1`, by convention the first line"),
        );
        return;
    };
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, "version number");
    let Some(entry) = args.first() else { return };
    let span = reader.span(entry.span());
    match entry.value() {
        KdlValue::Integer(SUPPORTED_VERSION) => {}
        KdlValue::Integer(n) => reader.report(
            Diagnostic::error(
                codes::UNSUPPORTED_VERSION,
                format!("policy language version {n} is not supported"),
            )
            .primary(
                span,
                format!("this egressc reads version {SUPPORTED_VERSION}"),
            )
            .help("write `version 1`, or use the egressc release that introduced this version"),
        ),
        other => reader.wrong_type(span, other, "the version", "an integer"),
    }
}

fn read_defaults(reader: &mut Reader, node: &kdl::KdlNode) -> Defaults {
    reader.properties(node, &[]);
    reader.arguments(node, 0, 0, "arguments");
    let mut defaults = Defaults::default();
    let mut seen = HashMap::new();
    let children = reader.children(node, &["labels", "annotations", "via", "ca-certificates"]);
    for child in children {
        if !reader.first_of_its_name(&mut seen, child) {
            continue;
        }
        match child.name().value() {
            "labels" => defaults.metadata.labels = metadata::read_labels(reader, child),
            "annotations" => {
                defaults.metadata.annotations = metadata::read_annotations(reader, child);
            }
            "via" => defaults.via = host::read_via(reader, child),
            "ca-certificates" => {
                defaults.ca_certificates = host::read_ca_certificates(reader, child);
            }
            _ => unreachable!("children() returns only allowed nodes"),
        }
    }
    defaults
}
