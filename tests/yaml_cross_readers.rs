//! Reads the output of `render::yaml` back with a YAML 1.2 reader
//! (`serde_yaml`) and YAML 1.1 readers (`PyYAML`'s pure-Python and libyaml
//! loaders, standing in for go-yaml in kubectl, Argo CD and Flux), and checks
//! that every one of them gets back exactly the value that was written: same
//! types, same strings, same key order.
//!
//! Each test writes all its documents into one stream so that Python starts
//! once per batch, not once per value.

mod support;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::FileFailurePersistence;
use serde::Deserialize as _;
use serde_json::{Map, Number, Value, json};

use egressc::render::yaml;
use support::pyyaml;

/// Strings that some reader would misread if they were written carelessly.
const TRICKY: &[&str] = &[
    // Plain in every reader.
    "istio-system",
    "edition.cnn.com",
    "app.kubernetes.io/managed-by",
    "networking.istio.io/v1",
    "/etc/ssl/certs/ca-certificates.crt",
    "203.0.113.10/32",
    "REGISTRY_ONLY",
    "--log-level=debug",
    "-x",
    "a:b",
    "a#b",
    "a,b",
    "a[b]{c}",
    "http://example.com:8080/p?q=1#f",
    "yesterday",
    "nullable",
    "0xfoo",
    "1.2.3-rc1",
    // YAML 1.1 booleans, nulls, merge and value keys.
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "~",
    "null",
    "Null",
    "NULL",
    "",
    "<<",
    "=",
    // Integers: binary, octal, decimal, hex, sexagesimal, separators, signs.
    "0",
    "7",
    "-1",
    "+1",
    "0b101",
    "-0b1_0",
    "017",
    "0o17",
    "00",
    "1_000",
    "+_1",
    "0x1F",
    "0X1f",
    "-0x_1f",
    "1:30",
    "190:20:30",
    "-1:30",
    "1,000",
    "18446744073709551616",
    // Floats.
    "1.0",
    "1e3",
    "1E3",
    "1e+3",
    "1.0e+3",
    ".5",
    "1.",
    "+.5",
    "1.5e-3",
    "1_0.5",
    "._5",
    "1:30.5",
    ".inf",
    ".Inf",
    ".INF",
    "-.inf",
    "+.inf",
    ".nan",
    ".NaN",
    ".NAN",
    "inf",
    "NaN",
    "Infinity",
    "10.0.0.1",
    "1.2.3",
    // Timestamps.
    "2026-11-22",
    "2002-1-1",
    "12:30:00",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-12-15T02:59:43.1Z",
    // Indicators and grammar.
    "*.wikipedia.org",
    "*",
    "&anchor",
    "!tag",
    "|",
    ">",
    "%YAML",
    "@at",
    "`tick",
    "#comment",
    "-",
    "- item",
    "---",
    "...",
    "--- x",
    "... x",
    "?",
    "? key",
    "?key",
    ":",
    ":key",
    "key:",
    "a: b",
    "a :b",
    "a #b",
    "a#b #c",
    "[",
    "]",
    "{",
    "}",
    ",",
    "{a: 1}",
    "[1, 2]",
    // Quotes and backslashes.
    "'",
    "''",
    "\"",
    "it's",
    "say \"hi\"",
    "'quoted'",
    "\"quoted\"",
    "\\",
    "C:\\dir\\file",
    "\\n",
    "\\u0041",
    // Whitespace and line breaks.
    " ",
    "  ",
    " lead",
    "trail ",
    "in side",
    "\t",
    "tab\tinside",
    "\n",
    "line\nbreak",
    "trailing newline\n",
    "\nleading newline",
    "two\n\nbreaks",
    "crlf\r\nend",
    "cr\rend",
    "a \n b",
    // Unicode: printable, spaces, breaks, controls, BOM, non-characters.
    "日本語",
    "é",
    "😀 emoji",
    "\u{a0}",
    "nbsp\u{a0}",
    "\u{3000}ideographic",
    "nel\u{85}end",
    "ls\u{2028}end",
    "ps\u{2029}end",
    "\u{feff}bom",
    "nul\u{0}end",
    "bell\u{7}",
    "esc\u{1b}[0m",
    "del\u{7f}",
    "c1\u{9f}",
    "nonchar\u{fffe}\u{ffff}",
    "\u{10ffff}",
    "zero\u{200b}width",
];

#[test]
fn tricky_strings_read_back_everywhere() {
    let mut docs: Vec<Value> = Vec::new();
    for &s in TRICKY {
        docs.push(json!(s));
        docs.push(json!({ "value": s }));
        docs.push(json!({ s: "key" }));
        docs.push(json!([s]));
        docs.push(json!({ "nested": [{ s: [s, { s: s }], "after": s }], "last": [[s]] }));
    }
    // Everything in one document too: keys next to each other in one map.
    let all: Map<String, Value> = TRICKY.iter().map(|&s| (s.to_owned(), json!(s))).collect();
    docs.push(Value::Object(all));
    docs.push(json!(TRICKY));
    assert_reads_back(&docs);
}

#[test]
fn numbers_bools_nulls_and_nesting_read_back() {
    let docs = [
        json!(null),
        json!(true),
        json!(0),
        json!(-0.0),
        json!(1.0),
        json!({}),
        json!([]),
        json!({
            "ints": [0, 1, -1, 443, 65535, i64::MIN, i64::MAX, u64::MAX],
            "floats": [
                0.0, -0.0, 1.0, -1.0, 0.5, 1.5e-7, 1e-7, 1e16, 1e21, 2.5e300, 5e-324,
                f64::MAX, f64::MIN_POSITIVE, 0.1, 1.0 / 3.0, 123_456_789.123_456_79,
            ],
            "bools": [true, false],
            "nulls": [null, { "k": null }],
            "empty": { "map": {}, "seq": [], "in_seq": [{}, []] },
            "deep": [[[[{ "a": [[{ "b": {} }]] }]]]],
        }),
    ];
    assert_reads_back(&docs);
}

#[test]
fn long_keys_read_back() {
    let long = "k".repeat(1500);
    let long_quoted = "on: ".repeat(400);
    let long_escaped = "\n".repeat(600);
    let mut docs = Vec::new();
    for key in [&long, &long_quoted, &long_escaped] {
        docs.push(json!({ key: "v", "next": 1 }));
        docs.push(json!({ key: { "a": [1, 2] }, "next": [{ key: [] }] }));
        docs.push(json!([{ key: ["x", { key: key }] }]));
    }
    assert_reads_back(&docs);
}

/// The harness must be able to fail: `PyYAML` has to be a YAML 1.1 reader and
/// the `serde_yaml` side must reject keys that are not strings.
#[test]
fn readers_catch_misquoted_scalars() {
    let misquoted = "a: on\nb: 1:30\nc: 2001-12-14\nyes: no\nd: 1.5e+3\ne: .nan\n";
    for reading in pyyaml::read_all(misquoted) {
        let docs = reading.docs.expect("PyYAML reads the stream");
        let expected = json!({
            "a": true,
            "b": 90,
            "c": "!!date datetime.date(2001, 12, 14)",
            "!!bool True": false,
            "d": 1500.0,
            "e": "!!float nan",
        });
        assert_same(&expected, &docs[0]).unwrap_or_else(|e| panic!("{}: {e}", reading.loader));
    }
    assert!(serde_yaml_read_all("true: 1\n").is_err());
    assert!(serde_yaml_read_all("a: !custom x\n").is_err());
    assert_eq!(
        serde_yaml_read_all("a: 1.0\n"),
        Ok(vec![json!({ "a": 1.0 })])
    );
}

/// Writes `docs` as one stream and checks that every reader gets them back.
fn assert_reads_back(docs: &[Value]) {
    if let Err(report) = check_reads_back(docs) {
        panic!("{report}");
    }
}

fn check_reads_back(docs: &[Value]) -> Result<(), String> {
    let stream = yaml::to_stream(docs);
    let mut readings = vec![("serde_yaml".to_owned(), serde_yaml_read_all(&stream))];
    for reading in pyyaml::read_all(&stream) {
        readings.push((reading.loader, reading.docs));
    }
    for (reader, result) in readings {
        let read = result.map_err(|e| format!("{reader} cannot read the stream: {e}\n{stream}"))?;
        if read.len() != docs.len() {
            return Err(format!(
                "{reader} read {} documents, {} written:\n{stream}",
                read.len(),
                docs.len()
            ));
        }
        for (written, read) in docs.iter().zip(&read) {
            assert_same(written, read).map_err(|e| {
                let text = yaml::to_stream([written]);
                format!("{reader} reads back a different value: {e}\nYAML:\n{text}\nread: {read}")
            })?;
        }
    }
    Ok(())
}

/// Equality that also requires the same key order (`serde_json`'s ignores
/// it) and the same kind of number (`1` is not `1.0`), naming the first
/// difference.
fn assert_same(written: &Value, read: &Value) -> Result<(), String> {
    match (written, read) {
        (Value::Object(a), Value::Object(b)) => {
            if !a.keys().eq(b.keys()) {
                return Err(format!("keys {:?} became {:?}", keys(a), keys(b)));
            }
            a.values()
                .zip(b.values())
                .try_for_each(|(a, b)| assert_same(a, b))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).try_for_each(|(a, b)| assert_same(a, b))
        }
        (Value::Number(a), Value::Number(b)) if a.is_f64() == b.is_f64() && a == b => Ok(()),
        (Value::Number(_), _) | (_, Value::Number(_)) => Err(format!("{written} became {read}")),
        _ if written == read => Ok(()),
        _ => Err(format!("{written} became {read}")),
    }
}

fn keys(map: &Map<String, Value>) -> Vec<&str> {
    map.keys().map(String::as_str).collect()
}

/// Reads every document with `serde_yaml` into its own `Value` first, so that
/// a key it resolved as a bool or a number is caught instead of being turned
/// back into a string by `serde_json`'s map deserializer.
fn serde_yaml_read_all(text: &str) -> Result<Vec<Value>, String> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| {
            let value = serde_yaml::Value::deserialize(doc).map_err(|e| e.to_string())?;
            json_from_yaml(value)
        })
        .collect()
}

fn json_from_yaml(value: serde_yaml::Value) -> Result<Value, String> {
    Ok(match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => json_number(&n)?,
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(json_from_yaml)
                .collect::<Result<_, _>>()?,
        ),
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let serde_yaml::Value::String(key) = key else {
                    return Err(format!("non-string key {key:?}"));
                };
                out.insert(key, json_from_yaml(value)?);
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => return Err(format!("tagged value {tagged:?}")),
    })
}

fn json_number(n: &serde_yaml::Number) -> Result<Value, String> {
    let number = if let Some(u) = n.as_u64() {
        Number::from(u)
    } else if let Some(i) = n.as_i64() {
        Number::from(i)
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .ok_or_else(|| format!("non-finite number {n}"))?
    };
    Ok(Value::Number(number))
}

// ---- Property test: random documents, one Python run per batch ----

/// Fragments that matter to some YAML reader, glued together at random.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "k8s.io/",
    "istio-system",
    "é",
    "日本",
    "😀",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "#",
    " #",
    ": ",
    ":",
    "-",
    "- ",
    "---",
    "...",
    "?",
    "? ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    "\"",
    "%",
    "@",
    "`",
    "\\",
    "~",
    "<<",
    "=",
    "_",
    ".",
    "+",
    "0",
    "1",
    "7",
    "9",
    "e",
    "E",
    "x",
    "0x",
    "0o",
    "0b",
    "1_000",
    "1:30",
    "12:30:00",
    "2001-12-14",
    "t",
    "T",
    "Z",
    "y",
    "n",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "null",
    "NULL",
    ".inf",
    ".NaN",
    "inf",
    "\u{0}",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
];

fn glued_pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(select(PIECES), 0..6).prop_map(|pieces| pieces.concat())
}

fn any_chars() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

/// Strings shaped like the numbers, dates and times of some YAML schema.
fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| format!("{n:#x}")),
        any::<u32>().prop_map(|n| format!("0o{n:o}")),
        any::<u32>().prop_map(|n| format!("0{n:o}")),
        any::<u8>().prop_map(|n| format!("-{n:#b}")),
        any::<u32>().prop_map(|n| format!("{}_{:03}", n / 1000, n % 1000)),
        any::<f64>().prop_map(|f| f.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        (0u32..200, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h}:{m:02}:{s:02}")),
        (1900u32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m}-{d:02}")),
        (1900u32..2100, 0u32..24).prop_map(|(y, h)| format!("{y}-01-02T{h:02}:04:05Z")),
    ]
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => glued_pieces(),
        2 => number_like(),
        2 => any_chars(),
        1 => select(TRICKY).prop_map(str::to_owned),
        // Past the 1024-character limit of implicit keys.
        1 => (select(PIECES), 300usize..400).prop_map(|(piece, n)| piece.repeat(n)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        4 => tricky_string().prop_map(Value::String),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((tricky_string(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// 48 batches (about 1,000 documents) unless `PROPTEST_CASES` asks for more.
fn proptest_config() -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            48
        },
        // Every shrinking step runs Python once; stop before it takes minutes.
        max_shrink_iters: 512,
        // Next to this file, without proptest looking for a lib.rs or main.rs.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..default
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn random_documents_read_back(docs in prop::collection::vec(document(), 1..48)) {
        if let Err(report) = check_reads_back(&docs) {
            return Err(TestCaseError::fail(report));
        }
    }
}
