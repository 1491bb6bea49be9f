use super::*;

/// The manifests of a YAML stream, for a rule's unit tests.
pub(crate) fn manifests(yaml: &str) -> Vec<crate::manifest::Manifest> {
    crate::manifest::read::read_str(yaml)
        .manifests
        .into_iter()
        .map(|l| l.manifest)
        .collect()
}

/// Runs one rule's check over manifests read from YAML, for a rule's unit tests.
pub(crate) fn run_rule(check: fn(&Index, &mut Vec<Finding>), yaml: &str) -> Vec<Finding> {
    let manifests = manifests(yaml);
    let index = Index::new(&manifests, "default", None);
    let mut findings = Vec::new();
    check(&index, &mut findings);
    findings
}

#[test]
fn rules_are_in_code_order_and_each_has_a_code_in_the_table() {
    for pair in RULES.windows(2) {
        assert!(
            pair[0].code.id < pair[1].code.id,
            "{} before {}",
            pair[0].code.id,
            pair[1].code.id
        );
    }
    for rule in RULES {
        assert_eq!(codes::find(rule.code.id), Some(rule.code));
        assert_eq!(rule.code.kind, crate::diagnostic::CodeKind::Mistake);
    }
}

#[test]
fn every_rule_has_a_complete_doc_page() {
    for rule in RULES {
        let title = format!("# {} {}", rule.code.id, rule.code.name);
        assert!(
            rule.doc.starts_with(&title),
            "{}: the page starts with `{title}`",
            rule.code.id
        );
        for section in [
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(
                rule.doc.contains(section),
                "{}: no `{section}`",
                rule.code.id
            );
        }
    }
}

#[test]
fn rules_are_found_by_code_or_name() {
    assert_eq!(find("m001").map(|r| r.code.name), Some("tls-inside-tls"));
    assert_eq!(find("tls-inside-tls").map(|r| r.code.id), Some("M001"));
    assert!(find("E001").is_none(), "input codes are not rules");
    assert!(unknown_rule_message("tls-inside-tsl").contains("tls-inside-tls"));
}

#[test]
fn overrides_change_or_drop_findings() {
    let finding = Finding::new(codes::NO_SERVER_VERIFICATION, 0, "x");
    assert_eq!(finding.severity, Severity::Warning);
    let mut severities = Severities::default();
    assert_eq!(severities.apply(&finding), Some(Severity::Warning));
    severities.set("M024", Level::Deny).unwrap();
    assert_eq!(severities.apply(&finding), Some(Severity::Error));
    severities
        .set("no-server-verification", Level::Allow)
        .unwrap();
    assert_eq!(severities.apply(&finding), None);
    assert!(severities.set("M999", Level::Warn).is_err());
}
