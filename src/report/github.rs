//! GitHub Actions workflow commands: `::error file=...,line=...,title=...::message`, which
//! the runner turns into annotations on the pull request's changed lines.

use std::fmt::Write as _;

use super::{Entry, display_path};
use crate::diagnostic::Severity;
use crate::source::Sources;

pub fn render(entries: &[Entry], sources: &Sources) -> String {
    let mut out = String::new();
    for entry in entries {
        let command = match entry.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(at) = entry.at {
            properties.push(format!(
                "file={}",
                escape_property(&display_path(sources, at))
            ));
            properties.push(format!("line={}", at.line));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("{} {}", entry.code.id, entry.code.name))
        ));
        let mut message = entry.message.clone();
        if let Some(resource) = &entry.resource {
            message = format!("{resource}: {message}");
        }
        if let Some(help) = &entry.help {
            message = format!("{message}\nhelp: {help}");
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        );
    }
    out
}

/// Escapes a message as the runner expects (`%`, CR and LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as a message, plus `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_newlines_are_escaped() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
