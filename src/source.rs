//! The policy files a run reads, and spans that point into them.
//!
//! Every later stage refers to input text only through [`Span`]: a file id and a byte range.
//! Spans are small and `Copy`, so they travel with values from the parser to the compiled
//! resources, and any stage can point a diagnostic at the line that caused it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Identifies one loaded file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            source,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A value together with the place in the policy it came from.
///
/// Serializes as the bare value: the JSON form of the policy model carries locations
/// separately, where a consumer wants them.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    /// Two spanned values are equal when their values are: where they were written does not
    /// change what they mean.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: serde::Serialize> serde::Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// One file as read from disk (or standard input).
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it, for messages.
    pub path: PathBuf,
    /// The text; for a file that is not UTF-8, its lossy decoding (only used to show context).
    pub text: String,
    /// Byte offset where each line starts, for line/column lookups; made at the first
    /// lookup. Most files are never looked into (a deployed manifest without a finding), and
    /// a cluster's List of 17 million lines would hold 68 MB of it.
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            path,
            text,
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // Counted first so the index is exactly as long as the file has lines.
            let mut starts =
                Vec::with_capacity(1 + self.text.bytes().filter(|&b| b == b'\n').count());
            starts.extend(
                std::iter::once(0)
                    .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                    .map(|i| u32::try_from(i).unwrap_or(u32::MAX)),
            );
            starts
        })
    }

    /// The span of a 1-based line's text, without its line break (the last line when past
    /// the end).
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let line_starts = self.line_starts();
        let index = line.saturating_sub(1).min(line_starts.len() - 1);
        let start = line_starts[index] as usize;
        let end = line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&next| next as usize);
        let text = &self.text[start..end];
        start..start + text.trim_end_matches(['\n', '\r']).len()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts
            .partition_point(|&start| start as usize <= offset)
            .saturating_sub(1);
        let line_start = line_starts[line] as usize;
        let column = self.text[line_start..offset].chars().count() + 1;
        (line + 1, column)
    }
}

/// Every file of one run, addressed by [`SourceId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.files.push(SourceFile::new(path.into(), text));
        id
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: SourceId) -> &Path {
        &self.get(id).path
    }

    /// `file:line:column` of the start of a span, as messages and JSON output show it.
    pub fn location(&self, span: Span) -> Location<'_> {
        let file = self.get(span.source);
        let (line, column) = file.line_col(span.start as usize);
        Location {
            path: &file.path,
            line,
            column,
        }
    }
}

/// A human-readable position: `path:line:column`.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    pub path: &'a Path,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}
