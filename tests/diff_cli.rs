//! `egressc diff` as users meet it: a round trip through `build -o`, the same output as a
//! server returns it, each kind of drift, every output format and every exit code. Output is
//! snapshotted exactly.

mod support;

use support::cli::{code, egressc, egressc_with_stdin, stderr, stdout};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

#[path = "../bench/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

const POLICY: &str = "tests/fixtures/diff/policy.kdl";

/// `build -o` of `policy` into a fresh directory named `name` under the target directory.
fn deployed(name: &str, policy: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("diff")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    let output = egressc(&["build", policy, "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    dir
}

/// `diff POLICY --against DIR` with paths shown relative to the target directory, so
/// snapshots do not depend on where the repository is checked out.
fn diff_in(dir: &Path, policy: &str, extra: &[&str]) -> Output {
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join(policy);
    let mut args = vec!["diff", policy.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--against", dir.file_name().unwrap().to_str().unwrap()]);
    Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(dir.parent().unwrap())
        .args(&args)
        .env_remove("NO_COLOR")
        .output()
        .expect("egressc runs")
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn its_own_output_has_no_differences() {
    let dir = deployed("round-trip", POLICY);
    let output = diff_in(&dir, POLICY, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "0 to add, 0 to change, 0 to remove\n");
    assert_eq!(stderr(&output), "");
}

#[test]
fn output_shaped_by_templates_diffs_clean_and_template_changes_show() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff/templates");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    let templates = ["--templates", "examples/templates"];
    let mut args = vec!["build", "examples/egress.kdl", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(&templates);
    let built = egressc(&args);
    assert_eq!(code(&built), 0, "{}", stderr(&built));
    let templates_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/templates");
    let with = ["--templates", templates_dir.to_str().unwrap()];
    let output = diff_in(&dir, "examples/egress.kdl", &with);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    // Without the templates, every resource they renamed or annotated is a difference.
    let output = diff_in(&dir, "examples/egress.kdl", &["--stat"]);
    assert_eq!(code(&output), 1);
    assert_ne!(stdout(&output), "0 to add, 0 to change, 0 to remove\n");
}

#[test]
fn its_own_stream_on_stdin_has_no_differences() {
    let built = egressc(&["build", POLICY]);
    let output = egressc_with_stdin(&["diff", POLICY, "--against", "-"], Some(&built.stdout));
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert_eq!(stdout(&output), "0 to add, 0 to change, 0 to remove\n");
}

#[test]
fn every_example_diffs_clean_against_its_own_output() {
    for entry in fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let is_policy = |p: &Path| p.extension().is_some_and(|e| e == "kdl");
        let policy_dir = path.is_dir()
            && fs::read_dir(&path)
                .unwrap()
                .any(|e| is_policy(&e.unwrap().path()));
        if !(policy_dir || is_policy(&path)) {
            continue;
        }
        let policy = path.to_str().unwrap();
        let dir = deployed(&format!("example-{name}"), policy);
        let output = diff_in(&dir, policy, &[]);
        assert_eq!(code(&output), 0, "{name}: {}", stdout(&output));
    }
}

/// What `kubectl get -o yaml` prints for the policy's resources: one List, server fields,
/// older served versions, keys sorted, serde_yaml's quoting and indentation
/// (bench/synthetic.rs, shared with the benchmark).
fn as_served() -> String {
    let built = egressc(&["build", POLICY, "--mesh-config", "none"]);
    assert_eq!(code(&built), 0);
    let mut served = Vec::new();
    synthetic::write_served(&stdout(&built), &mut served).unwrap();
    String::from_utf8(served).unwrap()
}

#[test]
fn the_same_resources_as_a_server_returns_them_have_no_differences() {
    let text = as_served();
    assert!(text.contains("apiVersion: networking.istio.io/v1beta1"));
    let output = egressc_with_stdin(
        &["diff", POLICY, "--mesh-config", "none", "--against", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(code(&output), 0, "{}{}", stdout(&output), stderr(&output));
    assert_eq!(stdout(&output), "0 to add, 0 to change, 0 to remove\n");
}

/// Each resource is compared with its item of a cluster's List as it is compiled; one that
/// differs is still shown against what the cluster holds.
#[test]
fn a_changed_item_of_a_clusters_list_is_a_change() {
    let text = as_served();
    assert!(text.contains("number: 443\n"));
    let text = text.replacen("number: 443\n", "number: 8443\n", 1);
    let output = egressc_with_stdin(
        &[
            "diff",
            POLICY,
            "--mesh-config",
            "none",
            "--color",
            "never",
            "--against",
            "-",
        ],
        Some(text.as_bytes()),
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    insta::assert_snapshot!("changed-list-item", stdout(&output));
}

/// A resource in a List and in a file of its own is deployed twice, whether the file is
/// word for word what `build` writes (found by its text) or not (parsed).
#[test]
fn a_resource_in_a_list_and_in_a_file_is_deployed_twice() {
    let dir = deployed("list-and-file", POLICY);
    let item = |file: &str| {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        format!("- {}\n", text.trim_end().replace('\n', "\n  "))
    };
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}{}",
        item("serviceentry-edition-cnn-com.yaml"),
        item("gateway-edition-cnn-com.yaml")
    );
    fs::write(dir.join("cluster.yaml"), list).unwrap();
    // Still the same resource, but no longer the text `build` writes.
    edit(
        &dir.join("gateway-edition-cnn-com.yaml"),
        "kind: Gateway\n",
        "kind: Gateway # edited\n",
    );
    let output = diff_in(&dir, POLICY, &["--color", "never"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    insta::assert_snapshot!("list-and-file", stderr(&output));
}

#[test]
fn a_changed_port_is_a_change() {
    let dir = deployed("changed-port", POLICY);
    edit(
        &dir.join("serviceentry-edition-cnn-com.yaml"),
        "number: 443",
        "number: 8443",
    );
    let output = diff_in(&dir, POLICY, &[]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("changed-port", stdout(&output));
}

#[test]
fn a_host_no_longer_in_the_policy_is_to_remove() {
    let dir = deployed("removed-host", POLICY);
    let output = diff_in(&dir, "tests/fixtures/diff/policy-removed.kdl", &[]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("removed-host", stdout(&output));
}

#[test]
fn a_host_new_in_the_policy_is_to_add() {
    let dir = deployed("added-host", POLICY);
    let output = diff_in(&dir, "tests/fixtures/diff/policy-added.kdl", &[]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("added-host", stdout(&output));
}

const FROM_ANOTHER_TOOL: &str = "\
# Applied by hand: not egressc's.
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: legacy-ftp
  namespace: istio-egress
spec:
  hosts: [ftp.example.org]
  ports: [{number: 21, name: tcp-21, protocol: TCP}]
  addresses: [198.51.100.7]
  resolution: DNS
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: istio-egress}
spec: {}
";

#[test]
fn resources_of_other_tools_are_left_alone_unless_included() {
    let dir = deployed("other-tool", POLICY);
    fs::write(dir.join("legacy.yaml"), FROM_ANOTHER_TOOL).unwrap();
    let output = diff_in(&dir, POLICY, &[]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert_eq!(stdout(&output), "0 to add, 0 to change, 0 to remove\n");

    let output = diff_in(&dir, POLICY, &["--include-unmanaged"]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("other-tool-included", stdout(&output));
}

#[test]
fn json_names_each_differing_field_by_pointer() {
    let dir = deployed("json", POLICY);
    edit(
        &dir.join("serviceentry-edition-cnn-com.yaml"),
        "number: 443",
        "number: 8443",
    );
    fs::remove_file(dir.join("gateway-edition-cnn-com.yaml")).unwrap();
    let output = diff_in(&dir, POLICY, &["--format", "json"]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("json", stdout(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        report["summary"],
        json!({"add": 1, "change": 1, "remove": 0, "unchanged": 9})
    );
}

#[test]
fn stat_prints_the_summary_alone() {
    let dir = deployed("stat", "tests/fixtures/diff/policy-added.kdl");
    let output = diff_in(&dir, POLICY, &["--stat"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "0 to add, 0 to change, 1 to remove\n");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = deployed("colour", POLICY);
    edit(
        &dir.join("serviceentry-edition-cnn-com.yaml"),
        "number: 443",
        "number: 8443",
    );
    let plain = diff_in(&dir, POLICY, &[]);
    assert!(!stdout(&plain).contains('\x1b'));
    let coloured = diff_in(&dir, POLICY, &["--color", "always"]);
    insta::assert_snapshot!("colour", stdout(&coloured).replace('\x1b', "<ESC>"));
}

#[test]
fn unreadable_deployed_manifests_stop_the_run_with_file_and_line() {
    let dir = deployed("unreadable", POLICY);
    fs::write(
        dir.join("broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nspec:\n  hosts: [a\n  ports: 1\n",
    )
    .unwrap();
    fs::write(
        dir.join("notes.yaml"),
        "# not a manifest\ntitle: egress notes\n",
    )
    .unwrap();
    let output = diff_in(&dir, POLICY, &["--color", "never"]);
    assert_eq!(code(&output), 2);
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!("unreadable", stderr(&output));
}

#[test]
fn a_missing_path_is_an_error() {
    let output = egressc(&["diff", POLICY, "--against", "no/such/dir"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: no/such/dir: no such file or directory\n"
    );
}

#[test]
fn one_resource_deployed_twice_is_an_error() {
    let dir = deployed("twice", POLICY);
    let copy = fs::read_to_string(dir.join("serviceentry-edition-cnn-com.yaml")).unwrap();
    fs::write(
        dir.join("zz-copy.yaml"),
        copy.replace("networking.istio.io/v1\n", "networking.istio.io/v1beta1\n"),
    )
    .unwrap();
    let output = diff_in(&dir, POLICY, &["--color", "never"]);
    assert_eq!(code(&output), 2);
    insta::assert_snapshot!("twice", stderr(&output));
}

/// A copy byte for byte the same as what `build` writes is found by its text, unparsed: it
/// is still the same resource twice, reported at the copy's first key.
#[test]
fn one_resource_deployed_twice_word_for_word_is_an_error() {
    let dir = deployed("twice-identical", POLICY);
    let copy = fs::read_to_string(dir.join("serviceentry-edition-cnn-com.yaml")).unwrap();
    fs::write(dir.join("zz-copy.yaml"), format!("# copied\n---\n{copy}")).unwrap();
    let output = diff_in(&dir, POLICY, &["--color", "never"]);
    assert_eq!(code(&output), 2);
    insta::assert_snapshot!("twice_identical", stderr(&output));
}

#[test]
fn an_empty_directory_has_everything_to_add() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff/empty");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let output = diff_in(&dir, POLICY, &["--stat"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "11 to add, 0 to change, 0 to remove\n");
}

#[test]
fn a_refused_policy_is_not_compared() {
    let output = egressc(&[
        "diff",
        "tests/fixtures/refused/double-tls.kdl",
        "--color",
        "never",
        "--against",
        "tests/fixtures/diff",
    ]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("M001"), "{}", stderr(&output));
}

#[test]
fn help_says_what_counts_as_a_difference() {
    let output = egressc(&["diff", "--help"]);
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("help", stdout(&output));
}
