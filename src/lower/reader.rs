//! Reading KDL nodes against the language's shape: which children, arguments and properties a
//! node takes, and what type each value has. Every problem becomes a diagnostic and reading
//! goes on, so one run reports all of them.

use std::collections::HashMap;

use kdl::{KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::source::{SourceId, Span, Spanned};

/// Where each node of the language may be written, for "belongs inside" hints.
const NODE_HOMES: &[(&str, &str)] = &[
    ("version", "the top level"),
    ("mesh", "the top level"),
    ("defaults", "the top level"),
    ("host", "the top level"),
    ("rules", "the top level"),
    ("deny", "`rules`"),
    ("warn", "`rules`"),
    ("allow", "`rules`"),
    ("egress-gateway", "`mesh`"),
    ("outbound-traffic-policy", "`mesh`"),
    ("config-namespace", "`mesh`"),
    ("network-policy", "`mesh`"),
    ("dns", "`network-policy`"),
    ("istiod", "`network-policy`"),
    ("access-log", "`egress-gateway`"),
    ("selector", "`egress-gateway`, `dns` or `istiod`"),
    ("ports", "`egress-gateway`"),
    ("tls", "`host`"),
    ("http", "`host`"),
    ("tcp", "`host`"),
    ("addresses", "`host`"),
    (
        "namespaces",
        "`host`, `network-policy` or `outbound-traffic-policy`",
    ),
    ("served-by", "`host`"),
    ("via", "`host` or `defaults`"),
    ("ca-certificates", "`host` or `defaults`"),
    ("labels", "`host` or `defaults`"),
    ("annotations", "`host` or `defaults`"),
];

/// Reads nodes of one file, reporting into the run's diagnostics.
pub struct Reader<'d> {
    pub source: SourceId,
    pub diagnostics: &'d mut Diagnostics,
}

impl Reader<'_> {
    pub fn span(&self, span: SourceSpan) -> Span {
        Span::new(self.source, span.offset(), span.offset() + span.len())
    }

    /// The node's first line: its name and entries, without a children block.
    pub fn head(&self, node: &KdlNode) -> Span {
        let start = node.name().span().offset();
        let end = node
            .entries()
            .last()
            .map_or(start + node.name().span().len(), |e| {
                e.span().offset() + e.span().len()
            });
        Span::new(self.source, start, end)
    }

    pub fn name_span(&self, node: &KdlNode) -> Span {
        self.span(node.name().span())
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The children of `node` that the language allows there; the others are reported.
    pub fn children<'n>(&mut self, node: &'n KdlNode, allowed: &[&str]) -> Vec<&'n KdlNode> {
        let Some(children) = node.children() else {
            return Vec::new();
        };
        let parent = node.name().value();
        children
            .nodes()
            .iter()
            .filter(|child| self.known_node(child, allowed, &format!("`{parent}`")))
            .collect()
    }

    /// Whether `node` is one of `allowed`; reports it otherwise, with a hint.
    pub fn known_node(&mut self, node: &KdlNode, allowed: &[&str], context: &str) -> bool {
        let name = node.name().value();
        if allowed.contains(&name) {
            return true;
        }
        let span = self.name_span(node);
        let mut diagnostic = if let Some((_, home)) = NODE_HOMES.iter().find(|(n, _)| *n == name) {
            Diagnostic::error(
                codes::MISPLACED,
                format!("`{name}` cannot be written in {context}"),
            )
            .primary(span, format!("`{name}` belongs in {home}"))
        } else {
            Diagnostic::error(
                codes::UNKNOWN_NODE,
                format!("unknown node `{name}` in {context}"),
            )
            .primary(span, "not a node of the policy language")
        };
        diagnostic = match did_you_mean(name, allowed) {
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None => diagnostic.help(format!("{context} takes: {}", list(allowed))),
        };
        self.report(diagnostic);
        false
    }

    /// Reports a node that appears again where one is allowed; true for the first.
    pub fn first_of_its_name(&mut self, seen: &mut HashMap<String, Span>, node: &KdlNode) -> bool {
        let name = node.name().value();
        let span = self.head(node);
        if let Some(first) = seen.get(name) {
            self.report(
                Diagnostic::error(codes::DUPLICATE, format!("`{name}` is given twice"))
                    .primary(span, "given again here")
                    .secondary(*first, "first given here")
                    .help(format!("keep one `{name}`")),
            );
            return false;
        }
        seen.insert(name.to_owned(), span);
        true
    }

    /// Reports a children block on a node that takes none.
    pub fn no_children(&mut self, node: &KdlNode) {
        if let Some(children) = node.children() {
            let name = node.name().value();
            self.report(
                Diagnostic::error(
                    codes::MISPLACED,
                    format!("`{name}` takes no children block"),
                )
                .primary(self.span(children.span()), "remove this block"),
            );
        }
    }

    /// The node's properties, checked against `allowed`; duplicates and unknown ones reported.
    pub fn properties<'n>(&mut self, node: &'n KdlNode, allowed: &[&str]) -> Vec<&'n KdlEntry> {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut known = Vec::new();
        for entry in node.entries() {
            let Some(key) = entry.name() else { continue };
            let key_name = key.value();
            let span = self.span(entry.span());
            if !allowed.contains(&key_name) {
                let node_name = node.name().value();
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_PROPERTY,
                    format!("unknown property `{key_name}` on `{node_name}`"),
                )
                .primary(span, "not a property of this node");
                diagnostic = match did_you_mean(key_name, allowed) {
                    Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                    None if allowed.is_empty() => {
                        diagnostic.help(format!("`{node_name}` takes no properties"))
                    }
                    None => diagnostic.help(format!("`{node_name}` takes: {}", list(allowed))),
                };
                self.report(diagnostic);
            } else if let Some(first) = seen.get(key_name) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("property `{key_name}` is given twice"),
                    )
                    .primary(span, "given again here")
                    .secondary(*first, "first given here"),
                );
            } else {
                seen.insert(key_name, span);
                known.push(entry);
            }
        }
        known
    }

    /// The node's positional arguments, reported unless there are between `min` and `max`.
    pub fn arguments<'n>(
        &mut self,
        node: &'n KdlNode,
        min: usize,
        max: usize,
        what: &str,
    ) -> Vec<&'n KdlEntry> {
        let args: Vec<_> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect();
        if args.len() < min || args.len() > max {
            let name = node.name().value();
            let expected = match (min, max) {
                (1, 1) => format!("one {what}"),
                (min, usize::MAX) => format!("at least {min} {what}"),
                (min, max) => format!("{min} to {max} {what}"),
            };
            let (span, label) = match args.get(max) {
                Some(extra) => (self.span(extra.span()), "unexpected argument".to_owned()),
                None => (self.head(node), format!("expected {expected}")),
            };
            self.report(
                Diagnostic::error(codes::WRONG_ARGUMENTS, format!("`{name}` takes {expected}"))
                    .primary(span, label),
            );
        }
        args
    }

    /// The entry's value as a string.
    pub fn string(&mut self, entry: &KdlEntry, what: &str) -> Option<Spanned<String>> {
        let span = self.span(entry.span());
        if let KdlValue::String(s) = entry.value() {
            Some(Spanned::new(s.clone(), span))
        } else {
            self.wrong_type(span, entry.value(), what, "a string");
            None
        }
    }

    /// The entry's value as a port number, 1-65535.
    pub fn port(&mut self, entry: &KdlEntry) -> Option<Spanned<u16>> {
        let span = self.span(entry.span());
        let KdlValue::Integer(n) = *entry.value() else {
            self.wrong_type(span, entry.value(), "a port", "an integer");
            return None;
        };
        match u16::try_from(n) {
            Ok(port) if port > 0 => Some(Spanned::new(port, span)),
            _ => {
                self.report(
                    Diagnostic::error(codes::INVALID_PORT, format!("port {n} is out of range"))
                        .primary(span, "ports are 1-65535"),
                );
                None
            }
        }
    }

    pub fn wrong_type(&mut self, span: Span, value: &KdlValue, what: &str, expected: &str) {
        let found = match value {
            KdlValue::String(_) => "a string",
            KdlValue::Integer(_) => "an integer",
            KdlValue::Float(_) => "a number with a fraction",
            KdlValue::Bool(_) => "a boolean",
            KdlValue::Null => "null",
        };
        let mut diagnostic = Diagnostic::error(
            codes::WRONG_TYPE,
            format!("{what} must be {expected}, found {found}"),
        )
        .primary(span, format!("expected {expected}"));
        if expected == "a string" && matches!(value, KdlValue::Integer(_) | KdlValue::Bool(_)) {
            diagnostic = diagnostic.help(format!("quote it: \"{value}\""));
        }
        if expected == "an integer"
            && let KdlValue::String(s) = value
            && s.parse::<u32>().is_ok()
        {
            diagnostic = diagnostic.help(format!("remove the quotes: {s}"));
        }
        self.report(diagnostic);
    }
}

/// The allowed name closest to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_near_names_only() {
        let hosts = [
            "tls",
            "http",
            "tcp",
            "via",
            "addresses",
            "namespaces",
            "served-by",
        ];
        assert_eq!(did_you_mean("adresses", &hosts), Some("addresses"));
        assert_eq!(did_you_mean("namespace", &hosts), Some("namespaces"));
        assert_eq!(did_you_mean("https", &hosts), Some("http"));
        assert_eq!(did_you_mean("frobnicate", &hosts), None);
    }
}
