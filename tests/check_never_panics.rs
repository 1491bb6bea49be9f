//! Real manifests are messy, and `check` must read what it can and never panic. This takes
//! every manifest of the Istio docs' recipes and the analyzer test inputs, breaks them at
//! random places (a value replaced by one of another type or an odd one: `*`, an IP, an
//! empty string, a huge number, a nested list), and checks the result.

use std::path::{Path, PathBuf};

use egressc::check::{Options, check_texts};
use proptest::prelude::*;
use serde_yaml::Value;

fn corpus() -> Vec<Value> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![
        shared.join("istio-docs"),
        shared.join("istio-analyzers/testdata"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut documents = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for document in serde_yaml::Deserializer::from_str(&text) {
            // After an error serde_yaml's document iterator does not advance: stop there.
            let Ok(value) = <Value as serde::Deserialize>::deserialize(document) else {
                break;
            };
            if value.is_mapping() {
                documents.push(value);
            }
        }
    }
    documents
}

fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::from("*")),
        Just(Value::from("")),
        Just(Value::from("10.0.0.1")),
        Just(Value::from("*.example.com")),
        Just(Value::from("$PLACEHOLDER")),
        Just(Value::from(-1)),
        Just(Value::from(0)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(1.5)),
        Just(Value::from(true)),
        Just(Value::Sequence(vec![Value::Null, Value::from("x")])),
        Just(Value::Mapping(serde_yaml::Mapping::new())),
        "[a-z./*~-]{0,12}".prop_map(Value::from),
    ]
}

/// Every path to a value inside `value`, as a list of steps.
fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                prefix.push(key.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Value::from(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn replace(value: &mut Value, path: &[Value], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *value = new;
        return;
    };
    let child = match (value, first) {
        (Value::Mapping(map), key) => map.get_mut(key),
        (Value::Sequence(items), Value::Number(n)) => n
            .as_u64()
            .and_then(|i| items.get_mut(usize::try_from(i).ok()?)),
        _ => None,
    };
    if let Some(child) = child {
        replace(child, rest, new);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn check_never_panics_on_broken_manifests(
        picks in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), odd_value()), 1..4),
        companions in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let corpus = corpus_cached();
        let mut documents: Vec<Value> = companions.iter().map(|i| i.get(corpus).clone()).collect();
        for (document, place, new) in picks {
            let mut broken = document.get(corpus).clone();
            let mut all = Vec::new();
            paths(&broken, &mut Vec::new(), &mut all);
            let path: &Vec<Value> = place.get(all.as_slice());
            let path = path.clone();
            replace(&mut broken, &path, new);
            documents.push(broken);
        }
        let text = documents
            .iter()
            .map(|d| serde_yaml::to_string(d).unwrap())
            .collect::<Vec<_>>()
            .join("---\n");
        let checked = check_texts(vec![(PathBuf::from("broken.yaml"), text.into_bytes())], &Options::default());
        // Reading accounts for every document that is not empty: judged, skipped or
        // reported (a document broken into `null` is an empty document, rightly ignored).
        let something = documents.iter().any(|d| !d.is_null());
        prop_assert!(!something || checked.resources + checked.skipped + checked.entries.len() > 0);
    }
}

fn corpus_cached() -> &'static [Value] {
    static CORPUS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(corpus)
}
