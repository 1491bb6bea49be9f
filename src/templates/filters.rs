//! The `yaml` filter: writes a value with egressc's YAML writer, so a template quotes every
//! value as safely for YAML 1.1 readers as egressc itself does (`on` stays a string, not
//! `true`). Maps and lists come out in block style; `indent=N` indents every line after the
//! first by N spaces, so `{{ resource.spec | yaml(indent=2) }}` nests under `spec:`.

use minijinja::value::{Kwargs, Value};
use minijinja::{Error, ErrorKind};

use crate::render::yaml;

#[allow(clippy::needless_pass_by_value)] // minijinja passes keyword arguments by value
pub fn yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    kwargs.assert_all_used()?;
    // Strict mode lets an undefined attribute reach a filter; writing it as `null` would
    // hide the typo, so it is the error strict mode promises.
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "`yaml` was given an undefined value",
        ));
    }
    let json = serde_json::to_value(value).map_err(|error| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`yaml` cannot write this value: {error}"),
        )
    })?;
    let mut text = String::new();
    yaml::write_document(&mut text, &json);
    if text.ends_with('\n') {
        text.pop();
    }
    match indent {
        Some(width) if width > 0 => Ok(text.replace('\n', &format!("\n{}", " ".repeat(width)))),
        _ => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use minijinja::Environment;

    fn render(source: &str, context: &serde_json::Value) -> String {
        let mut env = Environment::new();
        env.add_filter("yaml", super::yaml);
        env.render_str(
            source,
            minijinja::Value::from(minijinja::value::Serde(context)),
        )
        .unwrap()
    }

    #[test]
    fn scalars_are_quoted_for_yaml_1_1_readers() {
        let context = serde_json::json!({"team": "on", "port": 443, "date": "2026-11-22"});
        assert_eq!(
            render(
                "{{ team | yaml }} {{ port | yaml }} {{ date | yaml }}",
                &context
            ),
            "\"on\" 443 \"2026-11-22\""
        );
    }

    #[test]
    fn collections_indent_every_line_after_the_first() {
        let context = serde_json::json!({"spec": {"hosts": ["a.example", "*.b.example"], "x": {}}});
        assert_eq!(
            render("spec:\n  {{ spec | yaml(indent=2) }}\n", &context),
            "spec:\n  hosts:\n  - a.example\n  - '*.b.example'\n  x: {}"
        );
    }

    #[test]
    fn undefined_values_are_errors_not_null() {
        let mut env = Environment::new();
        env.add_filter("yaml", super::yaml);
        let error = env.render_str("{{ missing | yaml }}", ()).unwrap_err();
        assert_eq!(error.kind(), minijinja::ErrorKind::UndefinedError);
    }
}
