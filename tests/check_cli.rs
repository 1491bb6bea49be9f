//! `egressc check` and `egressc rule` as users meet them: every output format, every exit
//! code, stdin, `kind: List`, unreadable input. Output is snapshotted exactly.

mod support;

use support::cli::{code, egressc, egressc_with_stdin, stderr, stdout};

const FIXTURES: &str = "tests/fixtures/check-cli";

#[test]
fn text_output_points_at_the_resources_and_exits_1_on_errors() {
    let output = egressc(&[
        "check",
        "--color",
        "never",
        &format!("{FIXTURES}/double-tls.yaml"),
    ]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("text", stdout(&output));
}

#[test]
fn json_output_has_the_documented_shape() {
    let output = egressc(&[
        "check",
        "--format",
        "json",
        &format!("{FIXTURES}/double-tls.yaml"),
    ]);
    assert_eq!(code(&output), 1);
    let findings: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let first = &findings[0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "code", "file", "line", "message", "name", "resource", "severity"
        ]
    );
    assert_eq!(
        first["resource"],
        serde_json::json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "namespace": "apps",
            "name": "originate-tls",
        })
    );
    insta::assert_snapshot!("json", stdout(&output));
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let output = egressc(&[
        "check",
        "--format",
        "sarif",
        &format!("{FIXTURES}/double-tls.yaml"),
    ]);
    assert_eq!(code(&output), 1);
    let log: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "egressc");
    let result = &run["results"][0];
    let rule_index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
    assert_eq!(
        run["tool"]["driver"]["rules"][rule_index]["id"],
        result["ruleId"]
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
    let version = env!("CARGO_PKG_VERSION");
    insta::assert_snapshot!("sarif", stdout(&output).replace(version, "[version]"));
}

#[test]
fn github_output_is_workflow_commands() {
    let output = egressc(&[
        "check",
        "--format",
        "github",
        &format!("{FIXTURES}/double-tls.yaml"),
    ]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(text.starts_with("::error file=tests/fixtures/check-cli/double-tls.yaml,line=12,title=M001 tls-inside-tls::"), "{text}");
    insta::assert_snapshot!("github", text);
}

#[test]
fn clean_input_exits_0_and_skips_unknown_kinds() {
    let output = egressc(&["check", &format!("{FIXTURES}/clean.yaml")]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert_eq!(stdout(&output), "egressc: no findings\n");
    let output = egressc(&[
        "check",
        "--format",
        "json",
        &format!("{FIXTURES}/clean.yaml"),
    ]);
    assert_eq!(stdout(&output), "[]\n");
}

#[test]
fn stdin_and_kubectl_lists_are_read() {
    let list = std::fs::read(format!(
        "{}/{FIXTURES}/list.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let output = egressc_with_stdin(&["check", "--format", "json", "-"], Some(&list));
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let findings: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(findings[0]["file"], "<stdin>");
    assert_eq!(findings[0]["line"], 21, "the line of the List item's dash");
    assert_eq!(
        findings[0]["resource"]["apiVersion"],
        "networking.istio.io/v1beta1"
    );
}

#[test]
fn a_directory_is_searched_recursively() {
    // The fixtures directory holds broken files too, so this exits 2, after reading them all.
    let output = egressc(&["check", "--format", "json", FIXTURES]);
    assert_eq!(code(&output), 2);
    let findings: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let files: std::collections::BTreeSet<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
}

#[test]
fn unreadable_input_exits_2_with_file_and_line_and_the_rest_is_still_checked() {
    let output = egressc(&[
        "check",
        "--color",
        "never",
        &format!("{FIXTURES}/malformed.yaml"),
        &format!("{FIXTURES}/not-kubernetes.yaml"),
        &format!("{FIXTURES}/double-tls.yaml"),
    ]);
    assert_eq!(code(&output), 2);
    insta::assert_snapshot!("unreadable", stdout(&output));
}

#[test]
fn a_missing_path_exits_2() {
    let output = egressc(&["check", "no/such/dir"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: no/such/dir: no such file or directory\n"
    );
}

#[test]
fn severities_can_be_overridden() {
    let file = format!("{FIXTURES}/double-tls.yaml");
    let output = egressc(&["check", "--warn", "tls-inside-tls", &file]);
    assert_eq!(code(&output), 0, "a warning does not fail the check");
    assert!(stdout(&output).contains("warning[M001]"));
    let output = egressc(&["check", "--allow", "M001", &file]);
    assert_eq!(code(&output), 0);
    assert!(!stdout(&output).contains("M001"));
    let output = egressc(&["check", "--allow", "tls-inside-tsl", &file]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("did you mean `tls-inside-tls`?"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_huge_document_is_refused_before_parsing() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n");
    let line = format!("  k: \"{}\"\n", "x".repeat(1023));
    while text.len() <= 65 * 1024 * 1024 {
        text.push_str(&line);
    }
    let output = egressc_with_stdin(&["check", "--color", "never", "-"], Some(text.as_bytes()));
    assert_eq!(code(&output), 2);
    assert!(
        stdout(&output).contains("over the 64 MiB limit"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn rule_prints_the_doc_page_and_the_list() {
    let output = egressc(&["rule", "tls-inside-tls"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).starts_with("# M001 tls-inside-tls\n"));
    assert_eq!(stdout(&egressc(&["rule", "m001"])), stdout(&output));
    let output = egressc(&["rule", "--list"]);
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("rule-list", stdout(&output));
    let output = egressc(&["rule", "M999"]);
    assert_eq!(code(&output), 2);
}
