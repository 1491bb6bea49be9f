//! Text for people: the same rustc-style diagnostics as `build`, pointing at the line where
//! the resource starts, with related resources as context.

use super::Entry;
use crate::diagnostic::render::{self, Style};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{Sources, Span};

pub fn render(entries: &[Entry], sources: &Sources, style: Style) -> String {
    let diagnostics: Vec<Diagnostic> = entries.iter().map(|e| diagnostic(e, sources)).collect();
    let refs: Vec<&Diagnostic> = diagnostics.iter().collect();
    let mut out = render::render_all(&refs, sources, style);
    out.push_str(&summary(entries));
    out.push('\n');
    out
}

fn diagnostic(entry: &Entry, sources: &Sources) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(entry.code, entry.severity, entry.message.clone());
    if let Some(at) = entry.at {
        let label = entry
            .resource
            .as_ref()
            .map_or_else(String::new, |r| format!("{r} ({})", entry.code.name));
        diagnostic = diagnostic.primary(line_span(sources, at), label);
    }
    for (resource, at) in &entry.related {
        if let Some(at) = at {
            diagnostic = diagnostic.secondary(line_span(sources, *at), resource.to_string());
        }
    }
    if let Some(help) = &entry.help {
        diagnostic = diagnostic.help(help.clone());
    }
    diagnostic
}

fn line_span(sources: &Sources, at: super::At) -> Span {
    let range = sources.get(at.source).line_range(at.line);
    Span::new(at.source, range.start, range.end)
}

/// `2 errors, 1 warning` or `no findings`.
pub fn summary(entries: &[Entry]) -> String {
    let count = |severity| entries.iter().filter(|e| e.severity == severity).count();
    let parts: Vec<String> = [
        (count(Severity::Error), "error", "errors"),
        (count(Severity::Warning), "warning", "warnings"),
        (count(Severity::Info), "info", "infos"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "egressc: no findings".to_owned()
    } else {
        format!("egressc: {}", parts.join(", "))
    }
}
