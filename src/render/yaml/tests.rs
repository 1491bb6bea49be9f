//! Unit tests of the YAML writer: exact layout and quoting decisions.
use serde_json::json;

use super::*;

/// The document for `value`, asserting that the direct writer (from `Serialize`) writes the
/// same bytes as the value writer: every test here checks both.
fn doc(value: &Value) -> String {
    let mut out = String::new();
    write_document(&mut out, value);
    let mut direct = String::new();
    write_serialize(&mut direct, value).expect("a JSON value serializes");
    assert_eq!(direct, out, "the direct writer differs for {value}");
    out
}

#[test]
fn service_entry_looks_like_kubectl_output() {
    let value = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {
            "labels": {"app.kubernetes.io/managed-by": "egressc", "team": "on"},
            "name": "edition-cnn-com",
        },
        "spec": {
            "hosts": ["edition.cnn.com"],
            "ports": [{"name": "tls-443", "number": 443, "protocol": "TLS"}],
            "exportTo": ["*"],
            "empty": {},
            "none": [],
        },
    });
    let expected = "\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  labels:
    app.kubernetes.io/managed-by: egressc
    team: \"on\"
  name: edition-cnn-com
spec:
  hosts:
  - edition.cnn.com
  ports:
  - name: tls-443
    number: 443
    protocol: TLS
  exportTo:
  - '*'
  empty: {}
  none: []
";
    assert_eq!(doc(&value), expected);
}

#[test]
fn key_order_is_insertion_order() {
    let value = json!({"z": 1, "a": 2, "m": 3});
    assert_eq!(doc(&value), "z: 1\na: 2\nm: 3\n");
}

#[test]
fn nested_sequences_share_the_dash_line() {
    let value = json!([["a", "b"], [["c"]], "d", [], {}]);
    assert_eq!(doc(&value), "- - a\n  - b\n- - - c\n- d\n- []\n- {}\n");
}

#[test]
fn maps_in_sequences_in_maps_in_sequences() {
    let value = json!([{"hosts": ["a", "b"], "port": {"number": 1}}, {"x": [{"y": null}]}]);
    let expected = "\
- hosts:
  - a
  - b
  port:
    number: 1
- x:
  - \"y\": null
";
    assert_eq!(doc(&value), expected);
}

#[test]
fn top_level_scalars_and_empty_collections() {
    assert_eq!(doc(&json!(null)), "null\n");
    assert_eq!(doc(&json!(true)), "true\n");
    assert_eq!(doc(&json!(false)), "false\n");
    assert_eq!(doc(&json!(-7)), "-7\n");
    assert_eq!(doc(&json!("plain")), "plain\n");
    assert_eq!(doc(&json!("---")), "'---'\n");
    assert_eq!(doc(&json!({})), "{}\n");
    assert_eq!(doc(&json!([])), "[]\n");
}

#[test]
fn stream_separates_documents() {
    let docs = [json!({"a": 1}), json!(["b"]), json!("c")];
    assert_eq!(to_stream(&docs), "a: 1\n---\n- b\n---\nc\n");
    assert_eq!(to_stream([]), "");
}

#[test]
fn numbers_round_trip_with_their_type() {
    let value = json!([
        0,
        443,
        -1,
        u64::MAX,
        i64::MIN,
        1.0,
        -0.0,
        1.5,
        1e16,
        1e-7,
        2.5e300,
        5e-324
    ]);
    let expected = "\
- 0
- 443
- -1
- 18446744073709551615
- -9223372036854775808
- 1.0
- -0.0
- 1.5
- 1.0e+16
- 1.0e-7
- 2.5e+300
- 5.0e-324
";
    assert_eq!(doc(&value), expected);
}

#[test]
fn kubernetes_names_stay_plain() {
    for s in [
        "istio-system",
        "edition.cnn.com",
        "app.kubernetes.io/managed-by",
        "networking.istio.io/v1",
        "/etc/ssl/certs/ca-certificates.crt",
        "203.0.113.10/32",
        "REGISTRY_ONLY",
        "v1",
        "--log-level=debug",
        "a:b",
        "a#b",
        "http://example.com:8080/x?y=1#z",
        "日本語",
        "x-1.2.3",
        "1.2.3-rc1",
        "0xfoo",
        "yesterday",
        "nullable",
        ".hidden",
        "-x",
    ] {
        assert!(is_plain_safe(s), "{s:?} should be plain");
    }
}

#[test]
fn indicators_and_grammar_force_quotes() {
    for s in [
        "*.wikipedia.org",
        "-",
        "- a",
        "---",
        "...",
        "?",
        "?a",
        ":a",
        ",a",
        "[a",
        "]",
        "{a",
        "}",
        "#a",
        "&a",
        "!a",
        "|",
        ">",
        "'a",
        "\"a",
        "%a",
        "@a",
        "`a",
        "a: b",
        "a:",
        "a #b",
        " a",
        "a ",
        "a\tb",
        "a\nb",
        "a\rb",
        "\u{a0}a",
        "a\u{85}b",
        "a\u{2028}b",
        "\u{feff}a",
    ] {
        assert!(!is_plain_safe(s), "{s:?} should be quoted");
    }
}

#[test]
fn yaml_1_1_and_1_2_scalars_force_quotes() {
    for s in [
        "",
        "~",
        "null",
        "Null",
        "NULL",
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
        "<<",
        "=",
        "0",
        "-1",
        "+1",
        "0b101",
        "-0b1_0",
        "017",
        "0o17",
        "0O17",
        "1_000",
        "+_1",
        "0x1F",
        "0X1f",
        "-0x_1f",
        "1:30",
        "190:20:30",
        "-1:30",
        "1e3",
        "1E3",
        "1e+3",
        ".5",
        "1.",
        "+.5",
        "1.5e-3",
        "1_0.5",
        "._5",
        ".inf",
        ".Inf",
        "-.INF",
        "+.inf",
        ".nan",
        ".NaN",
        "NaN",
        "inf",
        "Infinity",
        "1:30.5",
        "2026-11-22",
        "12:30:00",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        "2001-12-15T02:59:43.1Z",
        "2002-1-1",
        "10.0.0.1",
        "1,000",
    ] {
        assert!(!is_plain_safe(s), "{s:?} should be quoted");
    }
}

#[test]
fn quoting_styles() {
    assert_eq!(doc(&json!("on")), "\"on\"\n");
    assert_eq!(doc(&json!("")), "\"\"\n");
    assert_eq!(doc(&json!("*")), "'*'\n");
    assert_eq!(doc(&json!("it's: x")), "'it''s: x'\n");
    assert_eq!(doc(&json!("'")), "''''\n");
    assert_eq!(doc(&json!("C:\\dir #1")), "'C:\\dir #1'\n");
    assert_eq!(doc(&json!("a\nb\t\"c\"\\")), "\"a\\nb\\t\\\"c\\\"\\\\\"\n");
    assert_eq!(
        doc(&json!("\u{0}\u{1b}\u{7f}\u{85}\u{2028}\u{feff}")),
        "\"\\u0000\\u001b\\u007f\\u0085\\u2028\\ufeff\"\n"
    );
    assert_eq!(doc(&json!("é ü 😀 \u{a0}x")), "é ü 😀 \u{a0}x\n");
}

#[test]
fn keys_are_quoted_like_values() {
    let value = json!({"on": 1, "*": 2, "a: b": 3, "": 4, "<<": 5, "a\nb": 6, "plain": 7});
    let expected = "\"on\": 1\n'*': 2\n'a: b': 3\n\"\": 4\n\"<<\": 5\n\"a\\nb\": 6\nplain: 7\n";
    assert_eq!(doc(&value), expected);
}

#[test]
fn long_keys_become_explicit() {
    let long = "k".repeat(MAX_SIMPLE_KEY_BYTES + 1);
    let mut map = Map::new();
    map.insert(long.clone(), json!("v"));
    map.insert("short".into(), json!({"a": 1}));
    let value = json!([Value::Object(map)]);
    let expected = format!("- ? {long}\n  : v\n  short:\n    a: 1\n");
    assert_eq!(doc(&value), expected);
}

/// Values of any shape, with keys and strings drawn from the characters that decide layout
/// and quoting (spaces, `:`, `#`, `-`, quotes, digits, line breaks, non-ASCII).
fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let text = "[a-zA-Z0-9_/ :#'\"\\-.\n\t\u{e9}\u{2028}]{0,12}";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((text, inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn the_direct_writer_writes_what_the_value_writer_writes(value in any_value()) {
        doc(&value);
    }
}

/// A typed struct with what the compiled resources use: a flattened struct (no length
/// announced), skipped fields, options, integer map keys and empty collections.
#[test]
fn the_direct_writer_handles_typed_structs_like_their_json() {
    use std::collections::BTreeMap;

    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Envelope {
        api_version: &'static str,
        kind: &'static str,
    }
    #[derive(Serialize)]
    struct Object {
        #[serde(flatten)]
        envelope: Envelope,
        spec: Spec,
        empty: Empty,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Spec {
        hosts: Vec<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u16>,
        absent: Option<u16>,
        ports: BTreeMap<u16, &'static str>,
        none: Vec<u8>,
        nested: Vec<Vec<Empty>>,
        unit: (),
    }
    #[derive(Serialize)]
    struct Empty {
        #[serde(flatten)]
        nothing: BTreeMap<String, String>,
    }
    let object = Object {
        envelope: Envelope {
            api_version: "v1",
            kind: "Thing",
        },
        spec: Spec {
            hosts: vec!["a.example", "on"],
            skipped: None,
            absent: None,
            ports: BTreeMap::from([(443, "https"), (80, "http")]),
            none: Vec::new(),
            nested: vec![
                vec![],
                vec![Empty {
                    nothing: BTreeMap::new(),
                }],
            ],
            unit: (),
        },
        empty: Empty {
            nothing: BTreeMap::new(),
        },
    };
    let mut direct = String::new();
    write_serialize(&mut direct, &object).expect("serializes");
    let value = serde_json::to_value(&object).expect("serializes to JSON");
    assert_eq!(direct, doc(&value));
    assert_eq!(
        direct,
        "\
apiVersion: v1
kind: Thing
spec:
  hosts:
  - a.example
  - \"on\"
  absent: null
  ports:
    \"80\": http
    \"443\": https
  none: []
  nested:
  - []
  - - {}
  unit: null
empty: {}
"
    );
}
