//! Policies under `tests/fixtures/built/` exercise corners of the output (quoting, names);
//! each is snapshotted as emitted and read back through YAML 1.1 and 1.2 readers.

mod support;

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

#[test]
fn corner_cases_compile_to_the_snapshotted_yaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/built"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    for fixture in fixtures {
        let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
            .current_dir(root)
            .arg("build")
            .arg(fixture.strip_prefix(root).unwrap())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let yaml = String::from_utf8(output.stdout).unwrap();
        let name = fixture.file_stem().unwrap().to_string_lossy().into_owned();
        support::pyyaml::assert_reads_like_serde_yaml(&yaml);
        insta::assert_snapshot!(name, yaml);
    }
}

#[test]
fn look_alike_hosts_get_distinct_valid_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(root)
        .args(["build", "tests/fixtures/built/look-alike-slugs.kdl"])
        .output()
        .unwrap();
    let yaml = String::from_utf8(output.stdout).unwrap();
    let mut names: Vec<(String, String)> = serde_yaml::Deserializer::from_str(&yaml)
        .map(|d| serde_json::Value::deserialize(d).unwrap())
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["metadata"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (_, name) in &names {
        assert!(name.len() <= 63, "{name}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !name.starts_with('-')
                && !name.ends_with('-'),
            "{name} is not a DNS-1123 label"
        );
    }
    // Subset names are DNS-1123 labels too (Istio validates them).
    for line in yaml.lines() {
        if let Some(subset) = line.trim_start().strip_prefix("subset: ") {
            assert!(subset.len() <= 63, "subset `{subset}` is too long");
        }
    }
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "names are unique per kind");
}
