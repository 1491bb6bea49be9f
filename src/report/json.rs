//! JSON for scripts: an array of findings, one object each, in the order of the text output.
//! The shape is published as `schemas/check-findings.schema.json`.

use serde::Serialize;

use super::{Entry, display_path};
use crate::diagnostic::Severity;
use crate::manifest::ResourceRef;
use crate::source::Sources;

/// One finding of `egressc check --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonFinding {
    /// The stable code: `M001`, or `E020` for a document that could not be read.
    pub code: String,
    /// The code's kebab-case name: `tls-inside-tls`.
    pub name: String,
    pub severity: JsonSeverity,
    pub message: String,
    /// The resource at fault; `null` for a document that could not be read.
    pub resource: Option<ResourceRef>,
    /// The file, as named on the command line (`<stdin>` for standard input).
    pub file: Option<String>,
    /// The 1-based line where the resource (or the unreadable document) starts.
    pub line: Option<usize>,
}

/// How serious a finding is: `error` fails the check (exit 1), the others do not.
#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonSeverity {
    Error,
    Warning,
    Info,
}

pub fn findings(entries: &[Entry], sources: &Sources) -> Vec<JsonFinding> {
    entries
        .iter()
        .map(|entry| JsonFinding {
            code: entry.code.id.to_owned(),
            name: entry.code.name.to_owned(),
            severity: match entry.severity {
                Severity::Error => JsonSeverity::Error,
                Severity::Warning => JsonSeverity::Warning,
                Severity::Info => JsonSeverity::Info,
            },
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
