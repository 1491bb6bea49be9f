//! Turns policy bytes into a KDL document, or into diagnostics saying why it cannot.
//!
//! This stage knows KDL, not the policy language: it checks encoding and syntax and keeps the
//! spans the `kdl` crate records on every node and value. It never interprets node names.

use kdl::KdlDocument;

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::source::{SourceId, Span};

/// Decodes a file's bytes. A file that is not UTF-8 yields its lossy text (so the error can
/// show the line) and a diagnostic pointing at the first bad byte.
pub fn decode(source_bytes: Vec<u8>) -> Result<String, (String, usize)> {
    String::from_utf8(source_bytes).map_err(|error| {
        let valid_up_to = error.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
        (lossy, valid_up_to)
    })
}

/// The diagnostic for a file that is not UTF-8, at byte `offset` of its lossy text.
pub fn not_utf8(source: SourceId, offset: usize) -> Diagnostic {
    Diagnostic::error(codes::NOT_UTF8, "policy file is not UTF-8 text")
        // The lossy text shows the bad byte as U+FFFD; the label covers that whole character.
        .primary(
            Span::new(
                source,
                offset,
                offset + char::REPLACEMENT_CHARACTER.len_utf8(),
            ),
            "invalid byte here",
        )
        .help("save the file as UTF-8; KDL documents are always UTF-8")
}

/// Parses KDL v2. Syntax errors become diagnostics with the spans the parser reported.
pub fn parse(source: SourceId, text: &str, diagnostics: &mut Diagnostics) -> Option<KdlDocument> {
    match KdlDocument::parse_v2(text) {
        Ok(document) => Some(document),
        Err(error) => {
            for kdl in error.diagnostics {
                let start = kdl.span.offset();
                let span = Span::new(source, start, start + kdl.span.len());
                let message = kdl.message.unwrap_or_else(|| "invalid KDL".to_owned());
                let label = kdl.label.unwrap_or_else(|| "here".to_owned());
                let mut diagnostic =
                    Diagnostic::error(codes::KDL_SYNTAX, lowercase_first(&message))
                        .primary(span, label);
                if let Some(help) = kdl.help {
                    diagnostic = diagnostic.help(help);
                }
                diagnostics.push(diagnostic);
            }
            None
        }
    }
}

/// The kdl crate capitalises its messages; ours are lower-case, like rustc's.
fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
