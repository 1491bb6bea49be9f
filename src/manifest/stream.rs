//! Splits YAML streams into documents without parsing them, so every resource knows the
//! file line it starts on and one broken document does not hide the others. Shared by the
//! readers of `check` ([`super::read`]) and of `diff` ([`super::objects`]).

/// Documents larger than this are refused before parsing. Kubernetes stores at most 1.5 MiB
/// per object; the limit leaves room for the `kind: List` that `kubectl get -A -o yaml`
/// prints for tens of thousands of resources, and stops a runaway input early.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// The problem of a document over [`MAX_DOCUMENT_BYTES`], or `None` for one within it.
pub(crate) fn too_large(document: &Document, line: usize) -> Option<Problem> {
    (document.text.len() > MAX_DOCUMENT_BYTES).then(|| Problem {
        line,
        message: format!(
            "document is {} MiB, over the {} MiB limit; split it into smaller files",
            document.text.len() / (1024 * 1024),
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        ),
        help: "split the stream into smaller documents or files; no Kubernetes object is this large",
    })
}

/// A document that could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
    /// What to do about it.
    pub help: &'static str,
}

/// One YAML document of a stream: its text and the file line its text starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Document<'a> {
    pub text: &'a str,
    /// The 1-based file line the document's text starts on.
    pub first_line: usize,
}

/// Splits a stream at lines that start with `---` (a YAML document marker can only be at
/// the start of a line, and nothing inside a document may look like one at column 0).
pub(crate) fn split_documents(text: &str) -> Vec<Document<'_>> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (line, raw_line) in (1..).zip(text.split_inclusive('\n')) {
        if offset > start && is_document_marker(raw_line) {
            documents.push(Document {
                text: &text[start..offset],
                first_line: start_line,
            });
            start = offset;
            start_line = line;
        }
        offset += raw_line.len();
    }
    documents.push(Document {
        text: &text[start..],
        first_line: start_line,
    });
    documents
}

pub(crate) fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// The 1-based file line of the document's first content line, or `None` for a document of
/// only blank lines, comments and markers.
pub(crate) fn content_line(document: &Document) -> Option<usize> {
    document
        .text
        .lines()
        .position(|line| {
            let trimmed = line.trim();
            !(trimmed.is_empty()
                || trimmed.starts_with('#')
                || is_document_marker(line)
                || trimmed == "...")
        })
        .map(|index| document.first_line + index)
}

/// The lines on which the items of a List start: the `- ` lines at the indentation of the
/// first item after the top-level `items:` key. `None` when the layout is not the simple one
/// kubectl prints (then every item reports the List's line).
pub(crate) fn list_item_lines(document: &Document, count: usize) -> Option<Vec<usize>> {
    let mut lines = document.text.lines().enumerate();
    lines.find(|(_, l)| l.starts_with("items:") && l["items:".len()..].trim().is_empty())?;
    let mut indent = None;
    let mut found = Vec::with_capacity(count);
    for (index, text) in lines {
        if !text.starts_with([' ', '-', '#']) && !text.trim().is_empty() {
            break; // the next top-level key
        }
        let trimmed = text.trim_start();
        let this_indent = text.len() - trimmed.len();
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => indent = Some(this_indent),
                Some(i) if i != this_indent => continue,
                Some(_) => {}
            }
            found.push(document.first_line + index);
        }
    }
    (found.len() == count).then_some(found)
}

pub(crate) fn yaml_problem(error: &serde_yaml::Error, document: &Document, line: usize) -> Problem {
    let line = error
        .location()
        .map_or(line, |l| document.first_line + l.line() - 1);
    let message = error.to_string();
    // serde_yaml appends "at line N column M" relative to the document; the file line is
    // reported separately, so the relative one would only mislead.
    let message = match message.find(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message,
    };
    Problem {
        line,
        message: format!("not valid YAML: {message}"),
        help: "fix the YAML at this line (or just before it); the other documents were checked",
    }
}

/// The `apiVersion` and `kind` from the document's top-level lines, without parsing it.
/// `None` when they are not written as plain `key: value` lines at column 0.
pub(crate) fn top_level_type(text: &str) -> Option<(&str, &str)> {
    let mut api_version = None;
    let mut kind = None;
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("apiVersion:") {
            api_version = Some(scalar(value)?);
        } else if let Some(value) = line.strip_prefix("kind:") {
            kind = Some(scalar(value)?);
        }
        if let (Some(api_version), Some(kind)) = (api_version, kind) {
            return Some((api_version, kind));
        }
    }
    None
}

/// A plain or simply quoted scalar, without a trailing comment.
fn scalar(raw: &str) -> Option<&str> {
    let value = raw.split(" #").next().unwrap_or_default().trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    let plain = !unquoted.is_empty()
        && unquoted
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/' || b == b'-');
    plain.then_some(unquoted)
}

/// The items of a `kind: List` document as documents of their own, each the text of one
/// `- ` item (a one-item sequence) starting at its line, so they can be parsed apart.
/// `None` when the layout is not the simple one kubectl prints.
pub(crate) fn list_items<'a>(document: &Document<'a>) -> Option<Vec<Document<'a>>> {
    let text = document.text;
    let mut offset = 0;
    let mut lines = (document.first_line..).zip(text.split_inclusive('\n'));
    let mut found = false;
    for (_, line) in lines.by_ref() {
        offset += line.len();
        if line.starts_with("items:") && line["items:".len()..].trim().is_empty() {
            found = true;
            break;
        }
    }
    if !found {
        return None;
    }
    let mut indent = None;
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut end = text.len();
    for (number, line) in lines {
        if !line.starts_with([' ', '-', '#']) && !line.trim().is_empty() {
            end = offset; // the next top-level key
            break;
        }
        let trimmed = line.trim_start();
        let this_indent = line.len() - trimmed.len();
        if trimmed.starts_with("- ") || trimmed.trim_end() == "-" {
            match indent {
                None => indent = Some(this_indent),
                Some(i) if i != this_indent => {
                    offset += line.len();
                    continue;
                }
                Some(_) => {}
            }
            starts.push((offset, number));
        }
        offset += line.len();
    }
    let mut items = Vec::with_capacity(starts.len());
    for (index, &(start, first_line)) in starts.iter().enumerate() {
        let stop = starts.get(index + 1).map_or(end, |&(next, _)| next);
        items.push(Document {
            text: &text[start..stop],
            first_line,
        });
    }
    Some(items)
}
