//! `check` against the Istio documentation's own egress manifests
//! (`shared/reference/istio-docs/`): every recipe is correct, so no rule may fire at error
//! level on it; every `*.BAD.yaml` is one of the docs' wrong configurations, so some rule
//! must flag it (directly, or as a resource involved in a finding on its partner). Each scenario folder (and its `gateway-api/` variant) is checked as a whole,
//! the way it is applied; its findings at any level are snapshotted so that a change in
//! judgement is reviewed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use egressc::check::{Options, check_texts};
use egressc::diagnostic::Severity;

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/istio-docs")
}

/// Every folder holding manifests, with its manifest files (fragments are not resources).
fn scenarios() -> Vec<(String, Vec<PathBuf>)> {
    let mut out = Vec::new();
    let mut stack = vec![reference()];
    while let Some(dir) = stack.pop() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("reference folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml")
                && !path.to_string_lossy().contains("fragment")
            {
                files.push(path);
            }
        }
        if !files.is_empty() {
            files.sort();
            let name = dir
                .strip_prefix(reference())
                .unwrap()
                .to_string_lossy()
                .replace('/', "--");
            out.push((name, files));
        }
    }
    out.sort();
    out
}

fn is_bad(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".BAD.yaml")
}

#[test]
fn recipes_check_clean_at_error_level_and_bad_configurations_are_flagged() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 20, "reference scenarios went missing");
    let mut report = String::new();
    for (name, files) in scenarios {
        let texts = files
            .iter()
            .map(|path| {
                let shown = path.strip_prefix(reference()).unwrap().to_path_buf();
                (shown, std::fs::read(path).expect("readable"))
            })
            .collect();
        let checked = check_texts(texts, &Options::default());
        let _ = writeln!(report, "{name}:");
        for entry in &checked.entries {
            let at = entry.at.expect("every finding has a place");
            let file = checked.sources.path(at.source).to_path_buf();
            let resource = entry
                .resource
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string);
            let _ = writeln!(
                report,
                "  {} {} {} ({}:{})",
                entry.severity.as_str(),
                entry.code.id,
                resource,
                file.display(),
                at.line
            );
            let bad = is_bad(&reference().join(&file));
            assert!(
                entry.severity != Severity::Error || bad,
                "{name}: a correct recipe is flagged at error level: {} {resource}: {}",
                entry.code.id,
                entry.message
            );
        }
        for bad in files.iter().filter(|f| is_bad(f)) {
            let shown = bad.strip_prefix(reference()).unwrap();
            // A finding flags the file its resource is in, and the files of the resources
            // it names as involved (the ServiceEntry of a double-TLS pair).
            let in_file = |at: Option<egressc::report::At>| {
                at.is_some_and(|at| checked.sources.path(at.source) == shown)
            };
            let flagged = checked.entries.iter().any(|entry| {
                entry.severity != Severity::Info
                    && (in_file(entry.at) || entry.related.iter().any(|(_, at)| in_file(*at)))
            });
            assert!(flagged, "{name}: {} is not flagged", shown.display());
        }
    }
    insta::assert_snapshot!("recipe-findings", report);
}
