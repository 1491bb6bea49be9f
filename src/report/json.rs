//! JSON for scripts: an array of findings, one object each, in the order of the text output.
//! The shape is published as `schemas/check-findings.schema.json`.

use serde::Serialize;

use super::{Entry, display_path};
use crate::manifest::ResourceRef;
use crate::source::Sources;

/// One finding of `egressc check --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonFinding {
    /// The stable code: `M001`, or `E020` for a document that could not be read.
    pub code: String,
    /// The code's kebab-case name: `tls-inside-tls`.
    pub name: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub message: String,
    /// The resource at fault; `null` for a document that could not be read.
    pub resource: Option<ResourceRef>,
    /// The file, as named on the command line (`<stdin>` for standard input).
    pub file: Option<String>,
    /// The 1-based line where the resource (or the unreadable document) starts.
    pub line: Option<usize>,
}

pub fn findings(entries: &[Entry], sources: &Sources) -> Vec<JsonFinding> {
    entries
        .iter()
        .map(|entry| JsonFinding {
            code: entry.code.id.to_owned(),
            name: entry.code.name.to_owned(),
            severity: entry.severity.as_str().to_owned(),
            message: entry.message.clone(),
            resource: entry.resource.clone(),
            file: entry.at.map(|at| display_path(sources, at)),
            line: entry.at.map(|at| at.line),
        })
        .collect()
}

pub fn render(entries: &[Entry], sources: &Sources) -> String {
    let mut out =
        serde_json::to_string_pretty(&findings(entries, sources)).expect("findings serialize");
    out.push('\n');
    out
}

/// The JSON Schema of the `--format json` output.
pub fn schema() -> String {
    let mut schema = schemars::schema_for!(Vec<JsonFinding>);
    schema.insert("title".to_owned(), "egressc check --format json".into());
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    text.push('\n');
    text
}
