//! `egressc rule`: the doc page of a rule, or the table of all of them.

use std::fmt::Write as _;

use clap::Args;

use super::{Outcome, fail, write_stdout};
use crate::rules::{self, RULES};

/// Explain a rule: what it catches, why it breaks, and what to write instead.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  egressc rule M001\n  egressc rule tls-inside-tls\n  \
    egressc rule --list"
)]
pub struct RuleArgs {
    /// The rule's code (`M001`) or name (`tls-inside-tls`).
    #[arg(value_name = "CODE_OR_NAME", required_unless_present = "list")]
    rule: Option<String>,

    /// List every rule with its default severity.
    #[arg(long, conflicts_with = "rule")]
    list: bool,
}

pub fn run(args: &RuleArgs) -> Outcome {
    if args.list {
        return write_stdout(&table());
    }
    let name = args.rule.as_deref().unwrap_or_default();
    match rules::find(name) {
        Some(rule) => write_stdout(rule.doc),
        None => fail(&rules::unknown_rule_message(name)),
    }
}

fn table() -> String {
    let width = RULES.iter().map(|r| r.code.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<5} {:<width$} {:<8} SUMMARY",
        "CODE", "NAME", "SEVERITY"
    );
    for rule in RULES {
        let _ = writeln!(
            out,
            "{:<5} {:<width$} {:<8} {}",
            rule.code.id,
            rule.code.name,
            rule.severity.as_str(),
            rule.code.summary
        );
    }
    out
}
