//! Every example policy compiles with no diagnostics; its output is snapshotted as the exact
//! YAML text, every resource validates against Istio's CRD schemas, and a YAML 1.1 reader
//! (PyYAML, as kubectl's go-yaml reads YAML 1.1) reads the text back to the same values.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::crd_schema::CrdSchemas;

fn build(args: &[&Path]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("build")
        .args(args)
        .output()
        .expect("egressc runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} failed:\n{stderr}");
    assert!(stderr.is_empty(), "{args:?} printed diagnostics:\n{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn documents(yaml: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(yaml)
        .map(|doc| serde_json::Value::deserialize(doc).expect("valid YAML"))
        .collect()
}

#[test]
fn examples_compile_to_the_snapshotted_yaml() {
    let examples = support::examples::all();
    assert!(examples.len() >= 8, "examples went missing");
    for example in examples {
        let yaml = build(&[&example]);
        let name = example.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(name, yaml);
    }
}

#[test]
fn every_emitted_resource_validates_against_the_istio_crds() {
    let schemas = CrdSchemas::shared();
    for example in support::examples::all() {
        for resource in documents(&build(&[&example])) {
            let kind = resource["kind"].as_str().unwrap_or_default();
            if kind == "IstioOperator" {
                continue; // Not a CRD of Istio 1.32's chart; checked by `istio_operator_shape`.
            }
            if let Err(problems) = schemas.validate(&resource) {
                panic!(
                    "{} emits an invalid {kind} `{}`:\n{}",
                    example.display(),
                    resource["metadata"]["name"],
                    problems.join("\n")
                );
            }
        }
    }
}

/// IstioOperator has no CRD in `../shared/istio-crds`; check the fields `istioctl` reads.
#[test]
fn istio_operator_shape() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/egress.kdl");
    let operator = documents(&build(&[&example]))
        .into_iter()
        .find(|d| d["kind"] == "IstioOperator")
        .expect("an IstioOperator");
    assert_eq!(operator["apiVersion"], "install.istio.io/v1alpha1");
    let spec = &operator["spec"];
    assert_eq!(
        spec["meshConfig"]["outboundTrafficPolicy"]["mode"],
        "REGISTRY_ONLY"
    );
    let gateway = &spec["components"]["egressGateways"][0];
    assert_eq!(gateway["name"], "istio-egressgateway");
    assert_eq!(gateway["enabled"], true);
    assert_eq!(gateway["label"]["istio"], "egressgateway");
    let ports: Vec<_> = gateway["k8s"]["service"]["ports"]
        .as_array()
        .expect("ports listed when they differ from 80/443")
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, [80, 443, 5432]);
}

#[test]
fn a_yaml_1_1_reader_reads_every_example_back_unchanged() {
    let mut streams = Vec::new();
    for example in support::examples::all() {
        streams.push(build(&[&example]));
    }
    support::pyyaml::assert_reads_like_serde_yaml(&streams.join("---\n"));
}

#[test]
fn output_does_not_depend_on_the_order_files_are_named_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/multi-team");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let forward: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let backward: Vec<&Path> = files.iter().rev().map(PathBuf::as_path).collect();
    let as_dir = build(&[&dir]);
    assert_eq!(build(&forward), as_dir);
    assert_eq!(build(&backward), as_dir);
}

#[test]
fn the_multi_team_example_is_realistic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/multi-team");
    let resources = documents(&build(&[&dir]));
    let entries = resources
        .iter()
        .filter(|r| r["kind"] == "ServiceEntry")
        .count();
    assert!(entries >= 20, "{entries} hosts");
}

/// The README's tour is the policy that its first command builds: keep them one text.
#[test]
fn the_readme_tour_is_examples_egress_kdl() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("```kdl\n").expect("a kdl block") + "```kdl\n".len();
    let end = start + readme[start..].find("```").expect("closed");
    let example = std::fs::read_to_string(root.join("examples/egress.kdl")).unwrap();
    assert_eq!(&readme[start..end], example);
    assert!(readme.contains("cargo run -- build examples/egress.kdl"));
}

/// What `build` writes, `check` finds nothing in, at any level: the build guard and `check`
/// run the same rules, and this proves it on the written files, not on the guard's copy.
#[test]
fn every_example_output_checks_clean_at_every_level() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples-check");
    let _ = std::fs::remove_dir_all(&scratch);
    for (n, example) in support::examples::all().iter().enumerate() {
        for mesh_config in ["istio-operator", "configmap", "none"] {
            let out = scratch.join(format!("{n}-{mesh_config}"));
            let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .arg("build")
                .arg(example)
                .args(["--mesh-config", mesh_config, "-o"])
                .arg(&out)
                .output()
                .expect("egressc runs");
            assert!(output.status.success(), "{}", example.display());
            let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
                .args(["check", "--color", "never"])
                .arg(&out)
                .output()
                .expect("egressc runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success() && stdout.trim() == "egressc: no findings",
                "{} (--mesh-config {mesh_config}):\n{stdout}",
                example.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// `build` judges one compilation of the policy and writes a second, compiled a few hosts
/// at a time: the two must be the same resources in the same order, or the rules would
/// have judged something else than what is written.
#[test]
fn compiling_again_in_parts_gives_the_same_resources() {
    use egressc::compile::{self, MeshConfigFormat, Options};
    for example in support::examples::all() {
        let files = egressc::input::policy_files(std::slice::from_ref(&example)).unwrap();
        let policy = egressc::load(&files)
            .unwrap()
            .policy
            .expect("examples load");
        for mesh_config in [MeshConfigFormat::IstioOperator, MeshConfigFormat::None] {
            let options = Options {
                mesh_config,
                ..Options::default()
            };
            let text = |compiled: compile::Compiled| egressc::render::native(&compiled).yaml;
            let judged: Vec<String> = compile::compile(&policy, options)
                .into_iter()
                .map(text)
                .collect();
            let mut written = Vec::new();
            let Ok(()) = compile::compile_in_chunks(&policy, options, 2, text, |part| {
                written.extend(part);
                Ok::<(), std::convert::Infallible>(())
            });
            assert_eq!(written, judged, "{}", example.display());
        }
    }
}
