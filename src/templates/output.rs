//! Reads a template's output back into documents: YAML, then Kubernetes objects (a mapping
//! with string `apiVersion`, `kind` and `metadata.name`), then, for the kinds the rules read,
//! the same manifest model `check` reads, so a field of the wrong shape is refused here and
//! not silently dropped. Chart values (the `istiod-values` template) are the one output that
//! is not an object.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, codes};
use crate::manifest;
use crate::source::Span;

/// Why a template's output was refused: the output line and what is wrong.
pub struct Problem {
    pub line: usize,
    pub message: String,
    pub excerpt: String,
}

pub fn read(text: &str, values_allowed: bool) -> Result<Vec<Value>, Problem> {
    let excerpt = |line: usize| {
        text.lines()
            .nth(line.saturating_sub(1))
            .unwrap_or_default()
            .to_owned()
    };
    let values = manifest::read::json_values(text).map_err(|problem| Problem {
        line: problem.line,
        message: problem.message,
        excerpt: excerpt(problem.line),
    })?;
    let mut documents = Vec::with_capacity(values.len());
    for (line, value) in values {
        if !(values_allowed && value.get("meshConfig").is_some()) {
            check_object(&value).map_err(|message| Problem {
                line,
                message,
                excerpt: excerpt(line),
            })?;
        }
        documents.push(value);
    }
    Ok(documents)
}

fn check_object(value: &Value) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err("not a Kubernetes object: a document must be a mapping".to_owned());
    };
    for key in ["apiVersion", "kind"] {
        if !map.get(key).is_some_and(Value::is_string) {
            return Err(format!("not a Kubernetes object: no string `{key}`"));
        }
    }
    if !value
        .pointer("/metadata/name")
        .is_some_and(Value::is_string)
    {
        return Err("not a Kubernetes object: no string `metadata.name`".to_owned());
    }
    manifest::from_json(value).map(|_| ()).map_err(|error| {
        format!(
            "not a valid {}: {error}",
            map["kind"].as_str().unwrap_or_default()
        )
    })
}

pub fn diagnostic(problem: &Problem, path: &str, host: Option<&str>, template: Span) -> Diagnostic {
    let whose = match host {
        Some(host) => format!("the output of template `{path}` for host `{host}`"),
        None => format!("the output of template `{path}`"),
    };
    Diagnostic::error(
        codes::TEMPLATE_OUTPUT,
        format!("{whose} is refused: {}", problem.message),
    )
    .primary(template, "this template")
    .help(format!(
        "output line {}: `{}`\nwrite values with `| yaml`, which quotes them; every document \
         must be a Kubernetes object",
        problem.line, problem.excerpt
    ))
}
