//! Every rule has a fixture directory `tests/fixtures/check/<CODE>-<name>/` with
//! `fires.yaml`, manifests on which the rule must fire, and `near-miss.yaml`, manifests
//! that look alike but are correct, on which no rule may fire. The output of
//! `egressc check` on both is snapshotted exactly as the user sees it. A `mesh-config.yaml`
//! in the directory is passed as `--mesh-config`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use egressc::rules::RULES;

fn check(root: &Path, dir: &Path, file: &str) -> (i32, String) {
    let relative = dir.strip_prefix(root).expect("inside the crate");
    let mut command = Command::new(env!("CARGO_BIN_EXE_egressc"));
    command
        .current_dir(root)
        .args(["check", "--color", "never"])
        .arg(relative.join(file));
    if dir.join("mesh-config.yaml").exists() {
        command
            .arg("--mesh-config")
            .arg(relative.join("mesh-config.yaml"));
    }
    let output = command.output().expect("egressc runs");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().expect("exited"),
        String::from_utf8(output.stdout).expect("UTF-8"),
    )
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_the_near_miss() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for rule in RULES {
        let name = format!("{}-{}", rule.code.id, rule.code.name);
        let dir = root.join("tests/fixtures/check").join(&name);
        if !dir.join("fires.yaml").exists() || !dir.join("near-miss.yaml").exists() {
            missing.push(name);
            continue;
        }
        let marker = format!("[{}]", rule.code.id);

        let (code, out) = check(root, &dir, "fires.yaml");
        assert!(
            out.contains(&marker),
            "{name}: fires.yaml must fire it:\n{out}"
        );
        assert_eq!(code, i32::from(out.contains("error[")), "{name}: exit code");
        insta::assert_snapshot!(format!("{name}-fires"), format!("exit: {code}\n{out}"));

        let (code, out) = check(root, &dir, "near-miss.yaml");
        assert!(
            !out.contains(&marker),
            "{name}: near-miss.yaml must stay quiet:\n{out}"
        );
        // A near-miss is the correct version of the configuration, so no rule may fire on it.
        assert!(
            code == 0 && out.ends_with("egressc: no findings\n"),
            "{name}: near-miss.yaml is a correct configuration, but:\n{out}"
        );
        insta::assert_snapshot!(format!("{name}-near-miss"), format!("exit: {code}\n{out}"));
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

/// `docs/rules/README.md` lists every rule with a link to its page; it is generated from the
/// registry (rerun with `UPDATE_DOCS=1` to rewrite it) so it never drifts.
#[test]
fn the_rule_index_page_is_current() {
    let mut page = String::from(
        "# Rules\n\n\
         The rules `egressc check` runs over manifests and `egressc build` runs over its own \
         output. Each has a page (also printed by `egressc rule CODE`); its code lives in \
         `src/rules/<name>.rs` and its fixtures in `tests/fixtures/check/<CODE>-<name>/`.\n\n\
         Severities can be changed with `--deny`, `--warn` and `--allow` (for `check` and \
         `build`) and with a `rules` block in the policy (for `build`).\n\n\
         | Code | Name | Default | Istio analyzer | What it catches |\n\
         |---|---|---|---|---|\n",
    );
    for rule in RULES {
        let istio = if rule.istio_codes.is_empty() {
            "-".to_owned()
        } else {
            rule.istio_codes.join(", ")
        };
        let _ = writeln!(
            page,
            "| [{code}]({code}-{name}.md) | `{name}` | {severity} | {istio} | {summary} |",
            code = rule.code.id,
            name = rule.code.name,
            severity = rule.severity.as_str(),
            summary = rule.code.summary,
        );
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules/README.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/rules/README.md is out of date: run `UPDATE_DOCS=1 cargo test --test check_rules` and commit it"
    );
}
