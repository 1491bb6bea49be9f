//! The diagnostics of templates: an unknown template file, a template that does not parse or
//! render (pointing at its line), and two documents for one resource.

use std::collections::HashMap;
use std::path::Path;

use super::builtin::BUILTINS;
use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::render::{self, Rendered};
use crate::source::{SourceId, Sources, Span};

/// Two documents for one resource (kind, namespace, name): `kubectl apply` would keep the
/// last, silently, so the build refuses.
pub fn report_duplicates(rendered: &[Rendered], diagnostics: &mut Diagnostics) {
    let mut seen: HashMap<(&str, Option<&str>, &str), &Rendered> = HashMap::new();
    for item in rendered {
        let document = &item.document;
        let key = (
            document.kind.as_str(),
            document.namespace.as_deref(),
            document.name.as_str(),
        );
        let Some(first) = seen.insert(key, item) else {
            continue;
        };
        let namespace = document
            .namespace
            .as_ref()
            .map_or_else(String::new, |ns| format!(" in `{ns}`"));
        let mut diagnostic = Diagnostic::error(
            codes::TEMPLATE_OUTPUT,
            format!(
                "two documents are {} `{}`{namespace}: the cluster would keep only one",
                document.kind, document.name
            ),
        );
        for (each, label) in [(first, "writes it"), (item, "writes it again")] {
            if let Some(span) = each.template {
                diagnostic = if diagnostic.primary_span().is_none() {
                    diagnostic.primary(span, label)
                } else {
                    diagnostic.secondary(span, label)
                };
            }
        }
        diagnostics.push(diagnostic.help(format!(
            "give each document its own `metadata.name`; the first is {}",
            match &first.document.origin {
                render::Origin::Builtin => "egressc's own".to_owned(),
                render::Origin::Template(path) => format!("from `{path}`"),
            }
        )));
    }
}

pub fn unknown_template(path: &Path) -> Diagnostic {
    let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let near = names
        .iter()
        .find(|name| strsim::levenshtein(name, &file_name) <= 3)
        .map(|name| format!("did you mean `{name}`?\n"))
        .unwrap_or_default();
    Diagnostic::error(
        codes::TEMPLATE_ERROR,
        format!("`{}` is not a template egressc knows", path.display()),
    )
    .help(format!(
        "{near}a template overrides a built-in ({}), or adds resources: `host-*.yaml.j2` \
         once a host, `policy-*.yaml.j2` once a policy; `_*.j2` are partials for `include`",
        names.join(", ")
    ))
}

/// A template that does not parse or render, pointing at the template line.
pub fn template_error(
    error: &minijinja::Error,
    sources: &Sources,
    source: SourceId,
    path: &str,
    host: Option<&str>,
) -> Diagnostic {
    let file = sources.get(source);
    let range = error
        .range()
        .filter(|r| r.end <= file.text.len())
        .or_else(|| error.line().map(|line| file.line_range(line)))
        .unwrap_or_else(|| file.line_range(1));
    let what = error.detail().map_or_else(
        || error.kind().to_string(),
        |detail| format!("{}: {detail}", error.kind()),
    );
    let message = match host {
        Some(host) => format!("template `{path}` failed for host `{host}`: {what}"),
        None => format!("template `{path}` failed: {what}"),
    };
    let help = match error.kind() {
        minijinja::ErrorKind::UndefinedError => {
            "undefined variables are errors; docs/templates.md lists every variable"
        }
        minijinja::ErrorKind::SyntaxError => "see the minijinja syntax (Jinja2's)",
        minijinja::ErrorKind::OutOfFuel => {
            "a render may run 10 million instructions; look for a loop that does not end"
        }
        _ => "docs/templates.md describes what templates can use",
    };
    Diagnostic::error(codes::TEMPLATE_ERROR, message)
        .primary(Span::new(source, range.start, range.end), "here")
        .help(help)
}
