//! The command line as users meet it: help text, exit codes, stdout versus `-o DIR`, and the
//! guarantees of directory output (all or nothing, only egressc's own files replaced).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn egressc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("egressc runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// A fresh scratch directory under the target directory, removed first if left over.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn help_teaches_what_the_tool_does() {
    let top = egressc(&["--help"]);
    assert_eq!(code(&top), 0);
    insta::assert_snapshot!("help", String::from_utf8(top.stdout).unwrap());
    let build = egressc(&["build", "--help"]);
    assert_eq!(code(&build), 0);
    insta::assert_snapshot!("build_help", String::from_utf8(build.stdout).unwrap());
}

#[test]
fn exit_codes() {
    assert_eq!(code(&egressc(&["build", "examples/egress.kdl"])), 0);
    assert_eq!(
        code(&egressc(&[
            "build",
            "tests/fixtures/refused/double-tls.kdl"
        ])),
        1
    );
    assert_eq!(
        code(&egressc(&["build", "tests/fixtures/refused/port-zero.kdl"])),
        2
    );
    assert_eq!(code(&egressc(&["build"])), 2, "usage error");
    assert_eq!(code(&egressc(&["frobnicate"])), 2, "unknown command");
    let missing = egressc(&["build", "no/such/policy.kdl"]);
    assert_eq!(code(&missing), 2);
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "error: no/such/policy.kdl: no such file or directory\n"
    );
}

#[test]
fn a_directory_without_policies_is_an_error() {
    let dir = scratch("no-policies");
    let output = egressc(&["build", dir.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no `*.kdl` policy files"));
}

#[test]
fn stdout_and_directory_output_carry_the_same_resources() {
    let dir = scratch("same-resources").join("out");
    let stream = egressc(&["build", "examples/egress.kdl"]);
    let written = egressc(&["build", "examples/egress.kdl", "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&written), 0);
    assert!(written.stdout.is_empty(), "-o writes nothing on stdout");
    let files = listing(&dir);
    insta::assert_snapshot!("egress_files", files.join("\n"));
    let kustomization = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    insta::assert_snapshot!("egress_kustomization", kustomization);
    // Every resource of the stream is in exactly one file, byte for byte.
    let stream = String::from_utf8(stream.stdout).unwrap();
    let documents: Vec<&str> = stream.split("---\n").collect();
    let resource_files: Vec<_> = files
        .iter()
        .filter(|f| {
            Path::new(f).extension().is_some_and(|e| e == "yaml") && *f != "kustomization.yaml"
        })
        .collect();
    assert_eq!(documents.len(), resource_files.len());
    for file in resource_files {
        let contents = fs::read_to_string(dir.join(file)).unwrap();
        assert!(
            documents.contains(&contents.as_str()),
            "{file} is not in the stream"
        );
    }
}

#[test]
fn nothing_is_written_when_the_build_fails() {
    let parent = scratch("failed-build");
    let dir = parent.join("out");
    let output = egressc(&[
        "build",
        "tests/fixtures/refused/double-tls.kdl",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 1);
    assert!(
        listing(&parent).is_empty(),
        "no directory, no staging leftovers"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .ends_with("egressc: 1 error; nothing was written\n")
    );
}

#[test]
fn a_second_build_replaces_only_what_egressc_wrote() {
    let parent = scratch("rebuild");
    let dir = parent.join("out");
    let out = dir.to_str().unwrap();
    assert_eq!(
        code(&egressc(&["build", "examples/egress.kdl", "-o", out])),
        0
    );
    assert!(listing(&dir).contains(&"serviceentry-db-partner-example.yaml".to_owned()));
    // Someone keeps their own file beside egressc's.
    fs::write(dir.join("README.team.md"), "ours\n").unwrap();
    assert_eq!(
        code(&egressc(&[
            "build",
            "examples/egress-gateway-http.kdl",
            "-o",
            out
        ])),
        0
    );
    let files = listing(&dir);
    assert!(
        !files.contains(&"serviceentry-db-partner-example.yaml".to_owned()),
        "stale file removed"
    );
    assert!(files.contains(&"serviceentry-edition-cnn-com.yaml".to_owned()));
    assert_eq!(
        fs::read_to_string(dir.join("README.team.md")).unwrap(),
        "ours\n"
    );
    assert_eq!(listing(&parent), ["out"], "no staging leftovers beside it");
}

#[test]
fn a_failed_rebuild_leaves_the_previous_output_untouched() {
    let dir = scratch("failed-rebuild").join("out");
    let out = dir.to_str().unwrap();
    assert_eq!(
        code(&egressc(&["build", "examples/egress.kdl", "-o", out])),
        0
    );
    let before: Vec<_> = listing(&dir)
        .into_iter()
        .map(|f| (fs::read(dir.join(&f)).unwrap(), f))
        .collect();
    assert_eq!(
        code(&egressc(&[
            "build",
            "tests/fixtures/refused/port-zero.kdl",
            "-o",
            out
        ])),
        2
    );
    let after: Vec<_> = listing(&dir)
        .into_iter()
        .map(|f| (fs::read(dir.join(&f)).unwrap(), f))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn refuses_a_non_empty_directory_it_did_not_create() {
    let dir = scratch("foreign");
    fs::write(dir.join("deployment.yaml"), "kind: Deployment\n").unwrap();
    let output = egressc(&["build", "examples/egress.kdl", "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("was not written by egressc"));
    assert_eq!(listing(&dir), ["deployment.yaml"]);
}

#[test]
fn writes_into_an_existing_empty_directory() {
    let dir = scratch("empty-target");
    assert_eq!(
        code(&egressc(&[
            "build",
            "examples/egress.kdl",
            "-o",
            dir.to_str().unwrap()
        ])),
        0
    );
    assert!(listing(&dir).contains(&".egressc-owned".to_owned()));
}

#[test]
fn mesh_config_can_be_left_out() {
    let output = egressc(&["build", "examples/egress.kdl", "--mesh-config", "none"]);
    assert_eq!(code(&output), 0);
    assert!(!String::from_utf8_lossy(&output.stdout).contains("IstioOperator"));
}

#[test]
fn model_prints_the_policy_as_json() {
    let output = egressc(&["model", "examples/egress.kdl"]);
    assert_eq!(code(&output), 0);
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(model["mesh"]["configNamespace"], "istio-egress");
    assert_eq!(model["hosts"][0]["name"], "*.wikipedia.org");
}
