//! Reads YAML streams as generic Kubernetes objects: every field kept as written, nothing
//! interpreted. `diff` compares whole objects, so unlike [`super::read`] it keeps fields the
//! rules do not model and refuses what it cannot read instead of forgiving it: a document
//! left out would show up as a resource "to add".

use serde_json::Value;

use super::stream::{
    Document, MAX_DOCUMENT_BYTES, Problem, content_line, list_item_lines, split_documents,
    yaml_problem,
};

/// A Kubernetes object and the line its text starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// An object with string `apiVersion` and `kind`.
    pub value: Value,
    /// 1-based line of the object's first key (of its list item, inside a `kind: List`).
    pub line: usize,
}

/// Everything read from one stream.
#[derive(Debug, Default)]
pub struct Objects {
    pub objects: Vec<Object>,
    pub problems: Vec<Problem>,
}

const NOT_AN_OBJECT_HELP: &str = "the manifests to compare with must be Kubernetes objects: \
     YAML documents with `apiVersion` and `kind`; move other YAML out of the way";

/// Reads every document of a YAML stream; the items of a `kind: List` are objects of their
/// own.
pub fn read_objects(text: &str) -> Objects {
    let mut objects = Objects::default();
    for document in split_documents(text) {
        read_document(&document, &mut objects);
    }
    objects
}

fn read_document(document: &Document, out: &mut Objects) {
    let Some(line) = content_line(document) else {
        return;
    };
    if document.text.len() > MAX_DOCUMENT_BYTES {
        out.problems.push(Problem {
            line,
            message: format!(
                "document is {} MiB, over the {} MiB limit",
                document.text.len() / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            help: "split the stream into smaller documents or files; no Kubernetes object is this large",
        });
        return;
    }
    let value = match serde_yaml::from_str::<Value>(document.text) {
        Ok(Value::Null) => return,
        Ok(value) => value,
        Err(error) => {
            out.problems.push(yaml_problem(&error, document, line));
            return;
        }
    };
    match type_of(&value) {
        Some(("v1", "List")) => read_list(value, document, line, out),
        Some(_) => out.objects.push(Object { value, line }),
        None => out.problems.push(not_an_object(line)),
    }
}

/// A `kind: List` (what `kubectl get -o yaml` prints): each item at the line of its `- `.
fn read_list(list: Value, document: &Document, line: usize, out: &mut Objects) {
    let items = match list {
        Value::Object(mut map) => match map.remove("items") {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                out.problems.push(Problem {
                    line,
                    message: "the `items` of a List must be a sequence of objects".to_owned(),
                    help: NOT_AN_OBJECT_HELP,
                });
                return;
            }
        },
        _ => unreachable!("type_of accepted an object"),
    };
    let item_lines = list_item_lines(document, items.len());
    for (index, item) in items.into_iter().enumerate() {
        let item_line = item_lines.as_ref().map_or(line, |lines| lines[index]);
        match type_of(&item) {
            Some(("v1", "List")) => out.problems.push(Problem {
                line: item_line,
                message: "a List inside a List is not a Kubernetes object".to_owned(),
                help: NOT_AN_OBJECT_HELP,
            }),
            Some(_) => out.objects.push(Object {
                value: item,
                line: item_line,
            }),
            None => out.problems.push(not_an_object(item_line)),
        }
    }
}

/// `apiVersion` and `kind`, when the value is an object that has both as strings.
pub fn type_of(value: &Value) -> Option<(&str, &str)> {
    let api_version = value.get("apiVersion")?.as_str()?;
    let kind = value.get("kind")?.as_str()?;
    Some((api_version, kind))
}

fn not_an_object(line: usize) -> Problem {
    Problem {
        line,
        message: "not a Kubernetes object: `apiVersion` or `kind` is missing".to_owned(),
        help: NOT_AN_OBJECT_HELP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(objects: &Objects) -> Vec<(String, usize)> {
        objects
            .objects
            .iter()
            .map(|o| (o.value["metadata"]["name"].to_string(), o.line))
            .collect()
    }

    #[test]
    fn documents_and_list_items_keep_their_lines() {
        let text = "# deployed\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1beta1\n  kind: Gateway\n  metadata:\n    name: g\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n";
        let objects = read_objects(text);
        assert_eq!(
            lines(&objects),
            [
                ("\"a\"".to_owned(), 3),
                ("\"g\"".to_owned(), 10),
                ("\"d\"".to_owned(), 14)
            ]
        );
        assert!(objects.problems.is_empty());
    }

    #[test]
    fn yaml_that_is_not_an_object_is_a_problem_at_its_line() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- just\n- a list\n---\nkey: [unclosed\n";
        let objects = read_objects(text);
        assert_eq!(objects.objects.len(), 1);
        let problems: Vec<(usize, &str)> = objects
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(problems[0].0, 5);
        assert!(problems[0].1.starts_with("not a Kubernetes object"));
        assert_eq!(problems[1].0, 9, "{problems:?}");
        assert!(problems[1].1.starts_with("not valid YAML"));
    }

    #[test]
    fn empty_documents_and_comments_are_nothing() {
        let objects = read_objects("---\n# only a comment\n---\n\n");
        assert!(objects.objects.is_empty() && objects.problems.is_empty());
    }
}
