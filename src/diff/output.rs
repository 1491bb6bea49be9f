//! Renders a [`Diff`] for its reader: a unified diff per resource for people (`text`), the
//! differing fields as JSON pointers for scripts (`json`), or the summary alone (`stat`).
//! Rendering decides nothing: what differs is settled before it gets here.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::fields::{self, FieldChange};
use super::{ChangeKind, Diff, Difference};
use crate::render::yaml;
use crate::report::{At, path_string};
use crate::source::Sources;

/// Lines of unchanged YAML shown around each change.
const CONTEXT_LINES: usize = 3;

/// `2 to add, 1 to change, 0 to remove`: the last line of every text report.
pub fn summary(diff: &Diff) -> String {
    format!(
        "{} to add, {} to change, {} to remove\n",
        diff.count(ChangeKind::Add),
        diff.count(ChangeKind::Change),
        diff.count(ChangeKind::Remove)
    )
}

/// Every differing resource as a header and a unified diff of its normalised YAML, then the
/// summary.
pub fn text(diff: &Diff, sources: &Sources, colour: bool) -> String {
    let paint = Paint(colour);
    let mut out = String::new();
    for difference in &diff.differences {
        let (sign, header_colour) = match difference.change {
            ChangeKind::Add => ('+', GREEN),
            ChangeKind::Change => ('~', YELLOW),
            ChangeKind::Remove => ('-', RED),
        };
        let header = format!(
            "{sign} {} {}/{}",
            difference.kind, difference.namespace, difference.name
        );
        paint.line(&mut out, &[BOLD, header_colour], &header);
        let old_name = difference
            .deployed_at
            .map_or_else(|| "/dev/null".to_owned(), |at| location(sources, at));
        let new_name = if difference.compiled.is_some() {
            "policy"
        } else {
            "/dev/null"
        };
        paint.line(&mut out, &[BOLD], &format!("--- {old_name}"));
        paint.line(&mut out, &[BOLD], &format!("+++ {new_name}"));
        unified(&mut out, difference, paint);
        out.push('\n');
    }
    out.push_str(&summary(diff));
    out
}

fn unified(out: &mut String, difference: &Difference, paint: Paint) {
    let old = yaml_of(difference.deployed.as_ref());
    let new = yaml_of(difference.compiled.as_ref());
    let lines = TextDiff::from_lines(&old, &new);
    for hunk in lines
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .iter_hunks()
    {
        paint.line(out, &[CYAN], &hunk.header().to_string());
        for change in hunk.iter_changes() {
            let (sign, colours): (char, &[&str]) = match change.tag() {
                ChangeTag::Delete => ('-', &[RED]),
                ChangeTag::Insert => ('+', &[GREEN]),
                ChangeTag::Equal => (' ', &[]),
            };
            let text = change.value().strip_suffix('\n').unwrap_or(change.value());
            paint.line(out, colours, &format!("{sign}{text}"));
        }
    }
}

fn yaml_of(value: Option<&Value>) -> String {
    let mut text = String::new();
    if let Some(value) = value {
        yaml::write_document(&mut text, value);
    }
    text
}

fn location(sources: &Sources, at: At) -> String {
    format!("{}:{}", path_string(sources.path(at.source)), at.line)
}

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// Colours a line when the output is a terminal that wants colour.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn line(self, out: &mut String, colours: &[&str], text: &str) {
        if self.0 && !colours.is_empty() {
            let _ = writeln!(out, "{}{text}{RESET}", colours.concat());
        } else {
            let _ = writeln!(out, "{text}");
        }
    }
}

/// `egressc diff --format json`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonReport {
    pub summary: JsonSummary,
    /// The resources that differ, in the order of the text report.
    pub resources: Vec<JsonResource>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonSummary {
    pub add: usize,
    pub change: usize,
    pub remove: usize,
    /// Resources deployed exactly as the policy has them.
    pub unchanged: usize,
}

/// One resource that differs.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsonResource {
    pub change: ChangeKind,
    /// The policy's `apiVersion`; the deployed one for a resource to remove.
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Where the deployed object was read; absent for a resource to add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed: Option<JsonLocation>,
    /// For a change: each differing field of the normalised objects. Empty otherwise.
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonLocation {
    /// The file, as named on the command line (`<stdin>` for standard input).
    pub file: String,
    /// The 1-based line the object starts on.
    pub line: usize,
}

pub fn json(diff: &Diff, sources: &Sources) -> String {
    let report = JsonReport {
        summary: JsonSummary {
            add: diff.count(ChangeKind::Add),
            change: diff.count(ChangeKind::Change),
            remove: diff.count(ChangeKind::Remove),
            unchanged: diff.unchanged,
        },
        resources: diff
            .differences
            .iter()
            .map(|difference| JsonResource {
                change: difference.change,
                api_version: difference.api_version.clone(),
                kind: difference.kind.clone(),
                namespace: difference.namespace.clone(),
                name: difference.name.clone(),
                deployed: difference.deployed_at.map(|at| JsonLocation {
                    file: path_string(sources.path(at.source)),
                    line: at.line,
                }),
                fields: match (&difference.deployed, &difference.compiled) {
                    (Some(old), Some(new)) => fields::changes(old, new),
                    _ => Vec::new(),
                },
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&report).expect("reports serialize");
    out.push('\n');
    out
}

/// The JSON Schema of `egressc diff --format json`.
pub fn json_schema() -> String {
    let mut schema = schemars::schema_for!(JsonReport);
    schema.insert("title".to_owned(), "egressc diff --format json".into());
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    text.push('\n');
    text
}
