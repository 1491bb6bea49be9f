//! The `rules { ... }` block: severity overrides for the rule engine that judges the
//! compiled resources, the same as `--deny/--warn/--allow` on the command line.
//!
//! ```kdl
//! rules {
//!     warn "no-server-verification"
//!     allow "M012"
//! }
//! ```

use kdl::KdlNode;

use super::reader::Reader;
use crate::diagnostic::{Diagnostic, codes};
use crate::policy::{RuleLevel, RuleOverride};
use crate::source::Spanned;

pub fn read(reader: &mut Reader, node: &KdlNode) -> Vec<RuleOverride> {
    reader.properties(node, &[]);
    reader.arguments(node, 0, 0, "arguments");
    let mut overrides = Vec::new();
    for child in reader.children(node, &["deny", "warn", "allow"]) {
        reader.properties(child, &[]);
        reader.no_children(child);
        let level = match child.name().value() {
            "deny" => RuleLevel::Deny,
            "warn" => RuleLevel::Warn,
            _ => RuleLevel::Allow,
        };
        for entry in reader.arguments(child, 1, usize::MAX, "rule codes or names") {
            let Some(name) = reader.string(entry, "a rule code or name") else {
                continue;
            };
            match crate::rules::find(&name.value) {
                Some(rule) => overrides.push(RuleOverride {
                    rule: Spanned::new(rule.code.id.to_owned(), name.span),
                    level,
                }),
                None => reader.report(
                    Diagnostic::error(codes::UNKNOWN_RULE, format!("no rule `{}`", name.value))
                        .primary(name.span, "not a rule code or name")
                        .help(crate::rules::unknown_rule_message(&name.value)),
                ),
            }
        }
    }
    overrides
}
