//! SARIF 2.1.0 for code-scanning UIs (GitHub code scanning, GitLab, Azure DevOps): one run,
//! the rules that fired with their doc pages as help, one result per finding.

use serde_json::{Value, json};

use super::{Entry, display_path};
use crate::diagnostic::Severity;
use crate::source::Sources;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(entries: &[Entry], sources: &Sources) -> String {
    // The rules that fired, in code order; results refer to them by index.
    let mut codes: Vec<_> = entries.iter().map(|e| e.code).collect();
    codes.sort_by_key(|c| c.id);
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            let mut rule = json!({
                "id": code.id,
                "name": code.name,
                "shortDescription": { "text": code.summary },
            });
            if let Some(r) = crate::rules::rule(code.id) {
                rule["help"] = json!({ "text": r.doc, "markdown": r.doc });
                rule["defaultConfiguration"] = json!({ "level": level(r.severity) });
            }
            rule
        })
        .collect();
    let results: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let rule_index = codes.iter().position(|c| *c == entry.code).unwrap_or(0);
            let mut message = entry.message.clone();
            if let Some(resource) = &entry.resource {
                message = format!("{resource}: {message}");
            }
            if let Some(help) = &entry.help {
                message = format!("{message}\nhelp: {help}");
            }
            let mut result = json!({
                "ruleId": entry.code.id,
                "ruleIndex": rule_index,
                "level": level(entry.severity),
                "message": { "text": message },
            });
            if let Some(at) = entry.at {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": display_path(sources, at) },
                        "region": { "startLine": at.line },
                    }
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "egressc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    out.push('\n');
    out
}
