//! `src/diff/istio_fields.txt` holds the facts from Istio's CRDs that `diff` normalises with:
//! which versions of a kind are served (they are the same resource), and which fields are
//! protobuf maps (an empty map and an absent field are the same to Istio). This test derives
//! them from `../shared/istio-crds/` and fails when the file is stale; rerun it with
//! `UPDATE_ISTIO_FIELDS=1` to rewrite the file, then review and commit it.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use support::crd_schema::CrdSchemas;

const HEADER: &str = "\
# Facts from Istio's CustomResourceDefinitions that `egressc diff` normalises with.
# Generated from ../shared/istio-crds by tests/diff_istio_fields.rs; do not edit.
# Rerun that test with UPDATE_ISTIO_FIELDS=1 to rewrite it.
#
# served GROUP KIND VERSION...  the versions one resource is served in (one resource)
# map GROUP KIND PATH           a protobuf map field: empty is the same as absent
#                               (in PATH, `-` is any list item and `*` any map value)
";

fn generated() -> String {
    let mut versions: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut maps: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for ((group, kind, version), schema) in CrdSchemas::shared().served() {
        // The tests also hold schemas of Kubernetes kinds egressc writes; only Istio's
        // protobuf-backed kinds get the normalisation this table drives.
        if !group.ends_with(".istio.io") {
            continue;
        }
        versions
            .entry((group.clone(), kind.clone()))
            .or_default()
            .push(version.clone());
        if let Some(spec) = schema.pointer("/properties/spec") {
            let found = maps.entry((group.clone(), kind.clone())).or_default();
            map_fields(spec, "spec", found);
        }
    }
    let mut out = String::from(HEADER);
    for ((group, kind), versions) in &versions {
        writeln!(out, "served {group} {kind} {}", versions.join(" ")).unwrap();
    }
    for ((group, kind), paths) in &mut maps {
        paths.sort();
        paths.dedup();
        for path in paths.iter() {
            writeln!(out, "map {group} {kind} {path}").unwrap();
        }
    }
    out
}

/// Collects the paths of every map field (an object with `additionalProperties`) under `path`.
fn map_fields(schema: &Value, path: &str, found: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    if let Some(values) = schema.get("additionalProperties")
        && schema.get("type").and_then(Value::as_str) == Some("object")
    {
        found.push(path.to_owned());
        map_fields(values, &format!("{path}/*"), found);
    }
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        map_fields(property, &format!("{path}/{name}"), found);
    }
    if let Some(items) = schema.get("items") {
        map_fields(items, &format!("{path}/-"), found);
    }
    for junctor in ["oneOf", "anyOf", "allOf"] {
        for alternative in schema
            .get(junctor)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            map_fields(alternative, path, found);
        }
    }
}

#[test]
fn the_istio_fields_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diff/istio_fields.txt");
    let generated = generated();
    if std::env::var_os("UPDATE_ISTIO_FIELDS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "src/diff/istio_fields.txt is out of date: run \
         `UPDATE_ISTIO_FIELDS=1 cargo test --test diff_istio_fields` and commit it"
    );
}
