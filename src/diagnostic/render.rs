//! Renders diagnostics the way rustc does: `error[CODE]: message`, `--> file:line:col`, the
//! source line with the span underlined, and help. One renderer for KDL syntax errors and our
//! own, built on `annotate-snippets` (the rendering library rustc itself uses).

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Diagnostic, Severity};
use crate::source::{SourceId, Sources};

/// Whether to colour the output (decided by the CLI from the terminal and `NO_COLOR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Colored,
}

/// Renders every diagnostic, separated by blank lines, ending with a newline.
pub fn render_all(diagnostics: &[&Diagnostic], sources: &Sources, style: Style) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render(diagnostic, sources, style));
        out.push_str("\n\n");
    }
    out
}

/// Renders one diagnostic, without a trailing newline.
pub fn render(diagnostic: &Diagnostic, sources: &Sources, style: Style) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let mut group = Group::with_title(
        level
            .primary_title(diagnostic.message.as_str())
            .id(diagnostic.code.id),
    );
    for source in sources_in_order(diagnostic) {
        let file = sources.get(source);
        let labels: Vec<_> = diagnostic
            .labels
            .iter()
            .filter(|label| label.span.source == source)
            .map(|label| (label, char_aligned(&file.text, label.span.range())))
            .collect();
        // Only the lines from the first label to the last are handed to the renderer: it
        // scans all the text it is given, and a manifest stream can be megabytes long with a
        // finding on every resource.
        let first = labels.iter().map(|(_, r)| r.start).min().unwrap_or(0);
        let last = labels.iter().map(|(_, r)| r.end).max().unwrap_or(0);
        let (first_line, _) = file.line_col(first);
        let (last_line, _) = file.line_col(last);
        let window = file.line_range(first_line).start..file.line_range(last_line).end;
        let window = window.start..window.end.max(last);
        let annotations = labels.iter().map(|(label, range)| {
            let kind = if label.primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            kind.span(range.start - window.start..range.end - window.start)
                .label(label.message.as_str())
        });
        group = group.element(
            Snippet::source(&file.text[window.clone()])
                .path(file.path.to_string_lossy())
                .line_start(first_line)
                .fold(true)
                .annotations(annotations),
        );
    }
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let renderer = match style {
        Style::Plain => Renderer::plain(),
        Style::Colored => Renderer::styled(),
    };
    renderer.render(&[group])
}

/// The files a diagnostic points into: the primary label's first, then the others in order.
fn sources_in_order(diagnostic: &Diagnostic) -> Vec<SourceId> {
    let mut labels: Vec<_> = diagnostic.labels.iter().collect();
    labels.sort_by_key(|label| !label.primary);
    let mut sources = Vec::new();
    for label in labels {
        if !sources.contains(&label.span.source) {
            sources.push(label.span.source);
        }
    }
    sources
}

/// The range widened to character boundaries and clamped to the text: a span from any stage
/// (or from the KDL parser) must never make rendering panic.
fn char_aligned(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}
