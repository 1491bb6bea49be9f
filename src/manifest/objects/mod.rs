//! Reads YAML streams as generic Kubernetes objects: every declared field kept as written,
//! nothing interpreted. `diff` compares whole objects, so unlike [`super::read`] it keeps
//! fields the rules do not model and refuses what it cannot read instead of forgiving it: a
//! document left out would show up as a resource "to add".
//!
//! What the API server adds to an object ([`without_server_fields`]) is left out as each
//! object is read: nobody declares it and `diff` never compares it, and in what `kubectl get
//! -o yaml` prints it is most of the text (`managedFields`, the last-applied annotation).

use serde_json::Value;

mod parallel;

pub use parallel::{Unparsed, read_all, read_lists};

use super::stream::{Document, Problem, content_line, list_item_lines, too_large, yaml_problem};

/// A Kubernetes object and the line its text starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Object<V = Value> {
    /// An object with string `apiVersion` and `kind`, as a value or in the form the reader
    /// made of it ([`read_lists`]).
    pub value: V,
    /// 1-based line of the object's first key (of its list item, inside a `kind: List`).
    pub line: usize,
}

/// Everything read from one stream.
#[derive(Debug)]
pub struct Objects<V = Value> {
    pub objects: Vec<Object<V>>,
    pub problems: Vec<Problem>,
}

impl<V> Default for Objects<V> {
    fn default() -> Self {
        Objects {
            objects: Vec::new(),
            problems: Vec::new(),
        }
    }
}

impl Objects {
    /// The objects turned into another form by `keep`.
    fn kept<V>(self, keep: impl Fn(Value) -> V) -> Objects<V> {
        Objects {
            objects: self
                .objects
                .into_iter()
                .map(|object| Object {
                    value: keep(object.value),
                    line: object.line,
                })
                .collect(),
            problems: self.problems,
        }
    }
}

const NOT_AN_OBJECT_HELP: &str = "the manifests to compare with must be Kubernetes objects: \
     YAML documents with `apiVersion` and `kind`; move other YAML out of the way";

/// Metadata fields the API server sets; never part of what anyone declares.
const SERVER_SET_METADATA: [&str; 6] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
];

/// The annotation `kubectl apply` keeps its last input in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// An object without what the API server sets: `status`, the [`SERVER_SET_METADATA`]
/// fields and the [`LAST_APPLIED`] annotation (docs/diff.md).
fn without_server_fields(mut object: Value) -> Value {
    let Value::Object(fields) = &mut object else {
        return object;
    };
    fields.shift_remove("status");
    if let Some(Value::Object(metadata)) = fields.get_mut("metadata") {
        for field in SERVER_SET_METADATA {
            metadata.shift_remove(field);
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
            annotations.shift_remove(LAST_APPLIED);
        }
    }
    object
}

/// Reads every document of a YAML stream; the items of a `kind: List` are objects of their
/// own.
pub fn read_objects(text: &str) -> Objects {
    read_all(&[text]).pop().expect("one result per text")
}

/// Reads one document into `out`.
fn read_document(document: &Document, out: &mut Objects) {
    let Some(line) = content_line(document) else {
        return;
    };
    if let Some(problem) = too_large(document, line) {
        out.problems.push(problem);
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
        Some(_) => out.objects.push(Object {
            value: without_server_fields(value),
            line,
        }),
        None => out.problems.push(not_an_object(line)),
    }
}

/// One item of a List, parsed apart from it: its text is a one-item sequence.
fn read_list_item(item: &Document, out: &mut Objects) {
    if let Some(problem) = too_large(item, item.first_line) {
        out.problems.push(problem);
        return;
    }
    match serde_yaml::from_str::<Vec<Value>>(item.text) {
        Ok(mut values) if values.len() == 1 => {
            let value = values.pop().expect("one item");
            push_item(value, item.first_line, out);
        }
        Ok(_) => out.problems.push(not_an_object(item.first_line)),
        Err(error) => out
            .problems
            .push(yaml_problem(&error, item, item.first_line)),
    }
}

fn push_item(item: Value, line: usize, out: &mut Objects) {
    match type_of(&item) {
        Some(("v1", "List")) => out.problems.push(Problem {
            line,
            message: "a List inside a List is not a Kubernetes object".to_owned(),
            help: NOT_AN_OBJECT_HELP,
        }),
        Some(_) => out.objects.push(Object {
            value: without_server_fields(item),
            line,
        }),
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
        push_item(item, item_line, out);
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
mod tests;
