//! `schemas/` holds the JSON Schemas of what egressc exchanges with other tools, generated from
//! the Rust types. This test fails when a type changed and the file did not; rerun it with
//! `UPDATE_SCHEMAS=1` to rewrite the files, then review and commit them.

use std::path::Path;

fn check(file: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/{file} is out of date: run `UPDATE_SCHEMAS=1 cargo test --test schemas` and commit it"
    );
}

#[test]
fn check_findings_schema_is_current() {
    check(
        "check-findings.schema.json",
        &egressc::report::findings_schema(),
    );
}

#[test]
fn policy_model_schema_is_current() {
    check("policy-model.schema.json", &egressc::policy::json_schema());
}

/// The schema describes what `egressc model` really prints: every top-level and host key the
/// output has is a property of the schema.
#[test]
fn the_model_output_uses_only_schema_properties() {
    let schema: serde_json::Value = serde_json::from_str(&egressc::policy::json_schema()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["model", "examples/multi-team"])
        .output()
        .unwrap();
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let top = schema["properties"].as_object().unwrap();
    for key in model.as_object().unwrap().keys() {
        assert!(top.contains_key(key), "`{key}` missing from the schema");
    }
    let host = schema["$defs"]["Host"]["properties"].as_object().unwrap();
    for entry in model["hosts"].as_array().unwrap() {
        for key in entry.as_object().unwrap().keys() {
            assert!(
                host.contains_key(key),
                "host `{key}` missing from the schema"
            );
        }
    }
}

#[test]
fn diff_report_schema_is_current() {
    check(
        "diff-report.schema.json",
        &egressc::diff::output::json_schema(),
    );
}
