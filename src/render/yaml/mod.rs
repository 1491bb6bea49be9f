//! The YAML writer for every manifest egressc emits.
//!
//! It owns turning a `serde_json::Value` into block-style YAML text, and above
//! all the decision of how each string is quoted. It exists because the
//! manifests are read by YAML 1.1 readers (kubectl, Argo CD and Flux through
//! go-yaml; `PyYAML`) as well as YAML 1.2 ones (`serde_yaml`), and the two
//! disagree: `serde_yaml` writes `on`, `yes`, `0o17`, `1_000`, `12:30:00` or
//! `2026-11-22` as plain scalars because YAML 1.2 reads them as strings, while a
//! YAML 1.1 reader turns them into booleans, numbers and timestamps. A label
//! `team: on` would silently become `team: true` in the cluster.
//!
//! So a string is written plain only when every reader of either version, and
//! a lenient one on top, is bound to read it back as that same string; when in
//! doubt it is quoted, since quoting a string that did not need it is harmless.
//! The layout copies what kubectl prints (libyaml's style): two-space
//! indentation, sequences inside maps not indented, maps inside sequence items
//! starting on the `- ` line.

mod direct;
mod map_key;

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

pub use direct::write_serialize;

/// Appends one YAML document (block style) for `value` to `out`; no leading `---`.
pub fn write_document(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, 0, false),
        Value::Array(items) if !items.is_empty() => write_seq(out, items, 0, false),
        scalar => {
            write_scalar(out, scalar);
            out.push('\n');
        }
    }
}

/// Convenience: a whole multi-document stream: documents separated by "---\n".
#[must_use]
pub fn to_stream<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (index, doc) in docs.into_iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        write_document(&mut out, doc);
    }
    out
}

/// True when `s` can be written as a plain (unquoted) scalar and every YAML 1.1
/// and 1.2 reader reads it back as this same string.
#[must_use]
pub fn is_plain_safe(s: &str) -> bool {
    matches!(choose_style(s), Style::Plain)
}

/// How a string scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// Picks the quoting of a string the way go-yaml (and so kubectl) does: a
/// string the grammar allows plain but a resolver would turn into another type
/// (`"on"`, `"1.0"`, `""`) gets double quotes; one the grammar does not allow
/// plain (`'*'`, `'a: b'`) gets single quotes, unless it holds a character that
/// only an escape can carry.
fn choose_style(s: &str) -> Style {
    if is_simple_word(s) {
        // The grammar allows it plain; only the resolvers can object, and to a word that
        // starts with a letter only as a reserved word or as infinity or NaN.
        return if is_reserved_word(s) || (s.len() <= 9 && is_inf_or_nan(s)) {
            Style::DoubleQuoted
        } else {
            Style::Plain
        };
    }
    if !is_plain_syntax(s) {
        if s.chars().any(needs_escape) {
            Style::DoubleQuoted
        } else {
            Style::SingleQuoted
        }
    } else if resolves_to_non_string(s) {
        Style::DoubleQuoted
    } else {
        Style::Plain
    }
}

/// Names, hosts, labels and API versions: a letter, then letters, digits and `-._/`. Most
/// strings of a manifest are such words, and none of them can break the plain grammar, so
/// they skip the character-by-character checks.
fn is_simple_word(s: &str) -> bool {
    /// Which bytes may follow the first letter; a table, since every string written asks.
    const WORD_BYTES: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            #[allow(clippy::cast_possible_truncation)] // `b` is below 256
            let byte = b as u8;
            table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'/');
            b += 1;
        }
        table
    };
    let bytes = s.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.iter().all(|&b| WORD_BYTES[usize::from(b)])
}

/// Whether the YAML grammar lets `s` be a plain scalar in block context that
/// ends exactly where `s` ends, whatever a resolver then makes of it. The empty
/// string passes here and is caught by the resolver check (it reads as null).
fn is_plain_syntax(s: &str) -> bool {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().next_back()) else {
        return true;
    };
    // Leading or trailing blanks would be stripped; other Unicode spaces are
    // kept by readers but are invisible to a person, so they are quoted too.
    !first.is_whitespace()
        && !last.is_whitespace()
        && starts_like_plain(s)
        && has_only_plain_content(s)
}

/// Rejects the indicators that start another kind of node, and the document
/// markers that a top-level scalar at column 0 would be mistaken for.
fn starts_like_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    match bytes[0] {
        // `?` and `:` may start a plain scalar when a non-space follows, but
        // older readers disagree on that, so they are always quoted.
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
        // `-x` is plain in every reader (command-line flags look natural that
        // way); `-` alone or `- x` is a sequence entry, `---` a document start.
        b'-' => !matches!(bytes.get(1), None | Some(b' ')) && !s.starts_with("---"),
        b'.' => !s.starts_with("..."),
        _ => true,
    }
}

/// Checks every character: nothing that needs an escape, no `: ` (which would
/// end a key), no ` #` (which would start a comment) and no trailing `:`.
fn has_only_plain_content(s: &str) -> bool {
    let mut prev = '\0';
    for c in s.chars() {
        let ends_scalar = (prev == ':' && c == ' ') || (prev == ' ' && c == '#');
        if ends_scalar || needs_escape(c) {
            return false;
        }
        prev = c;
    }
    prev != ':'
}

/// Characters that no reader keeps as they are outside a double-quoted escape:
/// C0 controls (tab and line breaks included), DEL and C1 controls, the line
/// and paragraph separators (YAML 1.1 line breaks), the BOM and non-characters.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}'
            | '\u{ffff}'
    )
}

/// Whether an implicit resolver of YAML 1.1 (`PyYAML`, go-yaml), YAML 1.2
/// (`serde_yaml`) or a lenient reader could type the plain scalar `s` as
/// something other than a string: null, boolean, number, timestamp, merge key
/// or value key. This over-approximates on purpose.
fn resolves_to_non_string(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        // Every resolver keys on the first character; most strings start with
        // one that no resolver looks at.
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => looks_numeric(s) || looks_like_timestamp(s),
        Some(_) => is_reserved_word(s) || looks_numeric(s),
    }
}

/// Null, the YAML 1.1 booleans (`y` and `n` included, as go-yaml v2 reads
/// them), the merge key `<<` and the value key `=`. Compared ignoring case:
/// `yEs` is not reserved anywhere, but quoting it costs nothing.
fn is_reserved_word(s: &str) -> bool {
    const WORDS: [&str; 12] = [
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=",
    ];
    s.len() <= 5 && WORDS.iter().any(|word| word.eq_ignore_ascii_case(s))
}

/// A superset of every number syntax in use: YAML 1.1 ints (binary, octal,
/// hex, sexagesimal) and floats, YAML 1.2 core and JSON numbers, Rust's and
/// Go's float parsers. go-yaml drops every `_` before parsing and Ruby's Psych
/// accepts `,` in integers, so both are ignored wherever they are.
fn looks_numeric(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut bytes = unsigned.bytes().filter(|&b| b != b'_' && b != b',');
    let first = bytes.next();
    let second = bytes.clone().next();
    match (first, second) {
        (Some(b'0'), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) => {
            bytes.skip(1).all(|b| b.is_ascii_hexdigit())
        }
        (Some(b'0'..=b'9'), _) | (Some(b'.'), Some(b'0'..=b'9')) => {
            bytes.all(is_decimal_number_byte)
        }
        _ => is_inf_or_nan(unsigned),
    }
}

/// Digits, the decimal point, the sexagesimal `:`, exponents and their signs.
/// Also covers dates like `2026-11-22`.
fn is_decimal_number_byte(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'.' | b':' | b'e' | b'E' | b'+' | b'-')
}

/// `.inf`, `.NaN`, and the `inf`, `infinity`, `nan` that float parsers of
/// general-purpose languages accept.
fn is_inf_or_nan(unsigned: &str) -> bool {
    let word = unsigned.strip_prefix('.').unwrap_or(unsigned);
    ["inf", "infinity", "nan"]
        .iter()
        .any(|special| special.eq_ignore_ascii_case(word))
}

/// YAML 1.1 timestamps, and every layout go-yaml parses, start with a
/// four-digit year, a dash and a month digit: `2001-12-14t21:59:43.10-05:00`.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 6 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5].is_ascii_digit()
}

/// Readers give up on an implicit key longer than 1024 characters (libyaml
/// and `PyYAML` both); past this many bytes, a key is written as `? key`.
const MAX_SIMPLE_KEY_BYTES: usize = 1000;

/// Writes the entries of a non-empty map, each key at column `indent`. When
/// `inline` is set the first key goes right after a `- ` already written.
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, inline: bool) {
    for (index, (key, value)) in map.iter().enumerate() {
        if index > 0 || !inline {
            push_indent(out, indent);
        }
        write_key(out, key, indent);
        write_value_after_key(out, value, indent);
    }
}

/// Writes `key` and leaves the cursor right before the `:`.
fn write_key(out: &mut String, key: &str, indent: usize) {
    let start = out.len();
    write_string(out, key);
    if out.len() - start > MAX_SIMPLE_KEY_BYTES {
        out.insert_str(start, "? ");
        out.push('\n');
        push_indent(out, indent);
    }
}

/// Writes `:` and the value of a map entry whose key is at column `indent`.
fn write_value_after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(":\n");
            write_map(out, map, indent + 2, false);
        }
        // libyaml style: the `- ` of a sequence in a map sits at the key's column.
        Value::Array(items) if !items.is_empty() => {
            out.push_str(":\n");
            write_seq(out, items, indent, false);
        }
        scalar => {
            out.push_str(": ");
            write_scalar(out, scalar);
            out.push('\n');
        }
    }
}

/// Writes the items of a non-empty sequence, each `- ` at column `indent`.
/// When `inline` is set the first `- ` follows a `- ` already written.
fn write_seq(out: &mut String, items: &[Value], indent: usize, inline: bool) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 || !inline {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, indent + 2, true),
            scalar => {
                write_scalar(out, scalar);
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let chunk = left.min(SPACES.len());
        out.push_str(&SPACES[..chunk]);
        left -= chunk;
    }
}

/// Writes a scalar, or an empty collection in flow style (`{}`, `[]`).
fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(out, number),
        Value::String(s) => write_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_number(out: &mut String, number: &Number) {
    let start = out.len();
    // Writing into a String cannot fail.
    let _ = write!(out, "{number}");
    if number.is_f64() {
        make_yaml11_float(out, start);
    }
}

/// Rewrites the float `serde_json` just wrote at `out[start..]` (shortest
/// round-trip digits, such as `1.5`, `1e16` or `1e-7`) into a form YAML 1.1
/// also reads as a float: it needs a `.` in the mantissa and a sign on the
/// exponent (`1.0e+16`), else `PyYAML` reads `1e16` as a string. Without a `.`
/// an integral float would come back as an integer.
fn make_yaml11_float(out: &mut String, start: usize) {
    let written = &out[start..];
    let exponent_at = written.find(['e', 'E']).map(|i| start + i);
    let mantissa_end = exponent_at.unwrap_or(out.len());
    let has_point = out[start..mantissa_end].contains('.');
    if let Some(e) = exponent_at
        && !matches!(out.as_bytes().get(e + 1), Some(b'+' | b'-'))
    {
        out.insert(e + 1, '+');
    }
    if !has_point {
        out.insert_str(mantissa_end, ".0");
    }
}

/// Writes a string scalar (a value or a key) in the style `choose_style` picks.
fn write_string(out: &mut String, s: &str) {
    match choose_style(s) {
        Style::Plain => out.push_str(s),
        Style::SingleQuoted => write_single_quoted(out, s),
        Style::DoubleQuoted => write_double_quoted(out, s),
    }
}

fn write_single_quoted(out: &mut String, s: &str) {
    out.push('\'');
    for (index, part) in s.split('\'').enumerate() {
        if index > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

/// Double-quoted with escapes; runs of characters that need none are copied
/// in one go. Only escapes every reader knows are used (`\u` rather than YAML
/// 1.2's `\/` or the `\N`, `\L`, `\P` that some readers lack).
fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    let mut run_start = 0;
    for (at, c) in s.char_indices() {
        let escape = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\t' => Some("\\t"),
            '\r' => Some("\\r"),
            c if needs_escape(c) => None,
            _ => continue,
        };
        out.push_str(&s[run_start..at]);
        match escape {
            Some(escape) => out.push_str(escape),
            // Writing into a String cannot fail.
            None => _ = write!(out, "\\u{:04x}", u32::from(c)),
        }
        run_start = at + c.len_utf8();
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

#[cfg(test)]
mod tests;
