//! `labels { key "value" }` and `annotations { key "value" }` blocks.

use std::collections::{BTreeMap, HashMap};

use kdl::KdlNode;

use super::reader::Reader;
use super::values;
use crate::diagnostic::{Diagnostic, codes};
use crate::source::Spanned;

use crate::policy::MANAGED_BY;

pub fn read_labels(reader: &mut Reader, node: &KdlNode) -> BTreeMap<String, Spanned<String>> {
    read_pairs(reader, node, true)
}

pub fn read_annotations(reader: &mut Reader, node: &KdlNode) -> BTreeMap<String, Spanned<String>> {
    read_pairs(reader, node, false)
}

/// Each child is one pair: its name is the key, its one string argument the value.
fn read_pairs(
    reader: &mut Reader,
    node: &KdlNode,
    labels: bool,
) -> BTreeMap<String, Spanned<String>> {
    reader.properties(node, &[]);
    reader.arguments(node, 0, 0, "arguments");
    let what = if labels { "label" } else { "annotation" };
    let mut pairs = BTreeMap::new();
    let mut seen = HashMap::new();
    let Some(children) = node.children() else {
        return pairs;
    };
    for child in children.nodes() {
        let key = child.name().value();
        let key_span = reader.name_span(child);
        reader.properties(child, &[]);
        reader.no_children(child);
        let args = reader.arguments(child, 1, 1, &format!("{what} value"));
        let Some(value) = args
            .first()
            .and_then(|e| reader.string(e, &format!("a {what} value")))
        else {
            continue;
        };
        if !reader.first_of_its_name(&mut seen, child) {
            continue;
        }
        if let Err((message, help)) = values::metadata_key(key) {
            report_invalid(reader, key_span, format!("invalid {what} {message}"), help);
            continue;
        }
        if labels && key == MANAGED_BY.0 {
            report_invalid(
                reader,
                key_span,
                format!("`{}` is set by egressc itself", MANAGED_BY.0),
                Some("remove it: egressc labels every resource it writes with it".to_owned()),
            );
            continue;
        }
        if labels && let Err((message, help)) = values::label_value(&value.value) {
            report_invalid(reader, value.span, format!("invalid {message}"), help);
            continue;
        }
        pairs.insert(key.to_owned(), value);
    }
    pairs
}

fn report_invalid(
    reader: &mut Reader,
    span: crate::source::Span,
    message: String,
    help: Option<String>,
) {
    let mut diagnostic = Diagnostic::error(codes::INVALID_METADATA, message)
        .primary(span, "Kubernetes rejects this");
    if let Some(help) = help {
        diagnostic = diagnostic.help(help);
    }
    reader.report(diagnostic);
}
