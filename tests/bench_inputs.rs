//! The benchmark's inputs stay valid as the language evolves: the generator's policy (at 1,000
//! hosts) builds, its output checks clean, and `diff` finds nothing against that output, as
//! files and as the cluster would return it. Not timed: bench/run measures.

#[path = "../bench/synthetic.rs"]
mod synthetic;

use std::fs;
use std::path::Path;
use std::process::Output;

mod support;

use support::cli::egressc_with_stdin as egressc;

fn ok(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn the_generated_policy_builds_checks_clean_and_diffs_to_nothing() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-inputs");
    let _ = fs::remove_dir_all(&dir);
    let policy = dir.join("policy");
    fs::create_dir_all(&policy).unwrap();
    let files = synthetic::policy_files(1000);
    assert_eq!(files.len(), synthetic::POLICY_FILES);
    for (name, text) in &files {
        fs::write(policy.join(name), text).unwrap();
    }
    let policy = policy.to_str().unwrap();
    let out = dir.join("out");
    let out = out.to_str().unwrap();

    ok(&egressc(&["build", policy, "-o", out], None));
    let checked = ok(&egressc(&["check", out], None));
    assert!(checked.ends_with("egressc: no findings\n"), "{checked}");
    let diffed = ok(&egressc(&["diff", policy, "--against", out], None));
    assert_eq!(diffed, "0 to add, 0 to change, 0 to remove\n");

    let stream = ok(&egressc(&["build", policy, "--mesh-config", "none"], None));
    let mut served = Vec::new();
    synthetic::write_served(&stream, &mut served).unwrap();
    let diffed = ok(&egressc(
        &["diff", policy, "--mesh-config", "none", "--against", "-"],
        Some(&served),
    ));
    assert_eq!(diffed, "0 to add, 0 to change, 0 to remove\n");
}

#[test]
fn the_generator_is_deterministic_and_mixes_hosts_as_specified() {
    assert_eq!(synthetic::policy_files(200), synthetic::policy_files(200));
    let text: String = synthetic::policy_files(1000)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let count = |needle: &str| text.matches(needle).count();
    assert_eq!(count("\nhost "), 1000);
    // 60% tls through the gateway and 10% tls from the sidecar.
    assert_eq!(count("    tls 443\n"), 700);
    // The tcp hosts and the direct tls ones.
    assert_eq!(count("    via \"sidecar\""), 200);
    assert_eq!(count("originate-tls=443"), 200);
    assert_eq!(count("    tcp 5432"), 100);
    assert_eq!(count("    namespaces "), 250);
}

#[test]
fn the_baselines_host_list_is_the_policys_hosts() {
    let hosts = synthetic::hosts_json(1000);
    let hosts = hosts.as_array().unwrap();
    assert_eq!(hosts.len(), 1000);
    let text: String = synthetic::policy_files(1000)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    for host in hosts {
        let name = host["name"].as_str().unwrap();
        assert!(text.contains(&format!("host \"{name}\" {{")), "{name}");
    }
    let count = |key: &str, value: &str| hosts.iter().filter(|h| h[key] == value).count();
    assert_eq!(count("protocol", "tls"), 700);
    assert_eq!(count("protocol", "http"), 200);
    assert_eq!(count("protocol", "tcp"), 100);
    assert_eq!(
        hosts.iter().filter(|h| h["address"].is_string()).count(),
        200
    );
    assert_eq!(
        hosts.iter().filter(|h| h["namespace"].is_string()).count(),
        250
    );
}
