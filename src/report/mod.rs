//! Reports the findings of `egressc check` in the form its reader wants: text for people,
//! JSON for scripts, SARIF for code-scanning UIs, workflow commands for GitHub Actions.
//!
//! Every format renders the same [`Entry`] list, in the same order, so they never disagree
//! about what was found. Reporting never decides anything: severities and exit codes are
//! settled before an entry gets here.

mod github;
mod json;
mod sarif;
mod text;

use std::path::Path;

use crate::diagnostic::{Code, Severity};
use crate::manifest::ResourceRef;
use crate::source::{SourceId, Sources};

pub use json::{JsonFinding, schema as findings_schema};

/// Where a finding points: a file and a 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct At {
    pub source: SourceId,
    pub line: usize,
}

/// One thing to report: a rule's finding or a problem reading the input.
#[derive(Clone, Debug)]
pub struct Entry {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The resource at fault; `None` for a document that could not be read.
    pub resource: Option<ResourceRef>,
    pub at: Option<At>,
    /// Other resources involved, shown as context.
    pub related: Vec<(ResourceRef, Option<At>)>,
    pub help: Option<String>,
}

/// The output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

/// Renders the entries in `format`.
pub fn render(
    format: Format,
    entries: &[Entry],
    sources: &Sources,
    style: crate::diagnostic::render::Style,
) -> String {
    match format {
        Format::Text => text::render(entries, sources, style),
        Format::Json => json::render(entries, sources),
        Format::Sarif => sarif::render(entries, sources),
        Format::Github => github::render(entries, sources),
    }
}

/// A file's path as reports show it: as the user named it, with `/` separators.
fn display_path(sources: &Sources, at: At) -> String {
    path_string(sources.path(at.source))
}

pub(crate) fn path_string(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
