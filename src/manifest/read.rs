//! Reads manifests from YAML text, the way `kubectl apply -f` would, but forgiving.
//!
//! A file is split into documents at `---` lines first, so every resource knows the line it
//! starts on and one broken document does not hide the others. A document is then parsed
//! straight into the typed model of its kind (found by a cheap look at its top-level
//! `apiVersion:`/`kind:` lines), which is the fast path for the big generated repositories
//! `check` runs on. Only when that fails does the reader fall back to a generic YAML value and
//! read field by field: a field it cannot understand (a `$PROXY_PORT` placeholder where a
//! number belongs) is left out and reported, and the rest of the resource is still judged.
//! A document that is not YAML, or not a Kubernetes object, is a [`Problem`].

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_path_to_error::{Segment, Track};
use serde_yaml::Value;

use super::stream::{
    Document, Problem, content_line, list_item_lines, split_documents, too_large, top_level_type,
    yaml_problem,
};
use super::{IgnoredField, IstioOperator, KnownKind, Manifest, RawObject, Spec, deserialize_spec};

/// A manifest and where its text starts.
#[derive(Clone, Debug)]
pub struct Located {
    pub manifest: Manifest,
    /// 1-based line of the resource's first key (of its list item, inside a `kind: List`).
    pub line: usize,
    /// Fields that could not be read and were left out.
    pub ignored: Vec<IgnoredField>,
}

const NOT_AN_OBJECT_HELP: &str =
    "check reads Kubernetes manifests: YAML documents with `apiVersion` and `kind`";

/// Everything read from one file.
#[derive(Debug, Default)]
pub struct Read {
    pub manifests: Vec<Located>,
    pub problems: Vec<Problem>,
    /// Documents of kinds the rules do not read (Deployments, Gateway API routes, ...).
    pub skipped: usize,
}

/// Reads every document of a YAML stream.
pub fn read_str(text: &str) -> Read {
    let documents = split_documents(text);
    // A document is at most one resource (but for a `kind: List`): room for all of them
    // at once, where doubling would leave up to half of a big file's room unused.
    let mut read = Read {
        manifests: Vec::with_capacity(documents.len()),
        ..Read::default()
    };
    for document in documents {
        read_document(&document, &mut read);
    }
    read
}

/// Reads one document of a stream ([`split_documents`]), for a caller that reads the
/// documents of many files, or of one long stream, on every core.
pub(crate) fn read_one(document: &Document) -> Read {
    // One resource, as in read_str (a first push would make room for four).
    let mut read = Read {
        manifests: Vec::with_capacity(1),
        ..Read::default()
    };
    read_document(document, &mut read);
    read
}

/// Reads a YAML stream into plain JSON values, one a non-empty document, with the line each
/// starts on: how template output is read back before it is judged. The first document that
/// is not YAML is the error.
pub fn json_values(text: &str) -> Result<Vec<(usize, serde_json::Value)>, Problem> {
    let mut values = Vec::new();
    for document in split_documents(text) {
        let Some(line) = content_line(&document) else {
            continue;
        };
        match serde_yaml::from_str::<Option<serde_json::Value>>(document.text) {
            Ok(Some(value)) => values.push((line, value)),
            Ok(None) => {}
            Err(error) => return Err(yaml_problem(&error, &document, line)),
        }
    }
    Ok(values)
}

fn read_document(document: &Document, read: &mut Read) {
    let Some(line) = content_line(document) else {
        return;
    };
    if let Some(problem) = too_large(document, line) {
        read.problems.push(problem);
        return;
    }
    match top_level_type(document.text) {
        Some((api_version, kind)) if kind == "List" && api_version == "v1" => {
            read_list(document, line, read);
        }
        Some((api_version, kind)) => match KnownKind::recognise(api_version, kind) {
            Some(known) => read_known(document, line, known, (api_version, kind), read),
            None => {
                // Not a kind the rules read, but still YAML that must parse.
                match serde_yaml::from_str::<IgnoredAny>(document.text) {
                    Ok(_) => read.skipped += 1,
                    Err(error) => read.problems.push(yaml_problem(&error, document, line)),
                }
            }
        },
        None => match serde_yaml::from_str::<Value>(document.text) {
            Ok(Value::Null) => {}
            Ok(value) => read_value(value, line, None, read),
            Err(error) => read.problems.push(yaml_problem(&error, document, line)),
        },
    }
}

/// Reads a document of a known kind: straight into the typed model, or field by field when
/// some field does not fit.
fn read_known(
    document: &Document,
    line: usize,
    known: KnownKind,
    (api_version, kind): (&str, &str),
    read: &mut Read,
) {
    match parse_typed(known, document.text) {
        Some(Ok(manifest)) => read.manifests.push(Located {
            manifest: manifest.into_manifest(api_version, kind),
            line,
            ignored: Vec::new(),
        }),
        Some(Err(error)) => match serde_yaml::from_str::<Value>(document.text) {
            Ok(value) => {
                let error_line = error.location().map(|l| document.first_line + l.line() - 1);
                read_value(value, line, error_line, read);
            }
            Err(error) => read.problems.push(yaml_problem(&error, document, line)),
        },
        None => match serde_yaml::from_str::<Value>(document.text) {
            Ok(value) => read_value(value, line, None, read),
            Err(error) => read.problems.push(yaml_problem(&error, document, line)),
        },
    }
}

/// A typed object before its type meta is attached.
struct Typed {
    object: RawObject<IgnoredAny>,
    spec: Spec,
}

impl Typed {
    fn into_manifest(self, api_version: &str, kind: &str) -> Manifest {
        self.object.into_manifest(api_version, kind, self.spec)
    }
}

/// The fast path: one pass from text to the typed spec. `None` for the kinds that need the
/// generic value anyway (a ConfigMap's mesh config is YAML inside a string).
fn parse_typed(known: KnownKind, text: &str) -> Option<Result<Typed, serde_yaml::Error>> {
    fn typed<T: DeserializeOwned + Default>(
        text: &str,
        wrap: impl FnOnce(Box<T>) -> Spec,
    ) -> Result<Typed, serde_yaml::Error> {
        let object: RawObject<T> = serde_yaml::from_str(text)?;
        let RawObject {
            metadata,
            spec,
            status,
            data,
            ..
        } = object;
        Ok(Typed {
            object: RawObject {
                metadata,
                spec: None,
                status,
                data,
            },
            spec: wrap(Box::new(spec.unwrap_or_default())),
        })
    }
    Some(match known {
        KnownKind::ServiceEntry => typed(text, Spec::ServiceEntry),
        KnownKind::Gateway => typed(text, Spec::Gateway),
        KnownKind::VirtualService => typed(text, Spec::VirtualService),
        KnownKind::DestinationRule => typed(text, Spec::DestinationRule),
        KnownKind::Sidecar => typed(text, Spec::Sidecar),
        KnownKind::AuthorizationPolicy => typed(text, Spec::AuthorizationPolicy),
        KnownKind::NetworkPolicy => typed(text, Spec::NetworkPolicy),
        KnownKind::Service => typed(text, Spec::Service),
        KnownKind::HttpRoute => typed(text, Spec::HttpRoute),
        KnownKind::IstioOperator => typed(text, |o: Box<IstioOperator>| {
            Spec::MeshConfig(KnownKind::IstioOperator, o.mesh_config.map(Box::new))
        }),
        KnownKind::ConfigMap => return None,
    })
}

/// The slow, forgiving path from a generic YAML value.
fn read_value(mut value: Value, line: usize, error_line: Option<usize>, read: &mut Read) {
    let (api_version, kind) = match type_of(&value) {
        Ok(pair) => pair,
        Err(message) => {
            read.problems.push(Problem {
                line,
                message,
                help: NOT_AN_OBJECT_HELP,
            });
            return;
        }
    };
    let Some(known) = KnownKind::recognise(&api_version, &kind) else {
        read.skipped += 1;
        return;
    };
    let mut ignored = Vec::new();
    let object = forgiving(&mut value, "", &mut ignored, |value, track| {
        RawObject::<Value>::deserialize(serde_path_to_error::Deserializer::new(value, track))
    });
    let Some(object) = object else {
        read.problems.push(Problem {
            line,
            message: format!("cannot read this {kind}: {}", describe(&ignored)),
            help: NOT_AN_OBJECT_HELP,
        });
        return;
    };
    let mut spec_value = object.spec.clone().unwrap_or(Value::Null);
    let spec = forgiving(&mut spec_value, "spec", &mut ignored, |value, track| {
        deserialize_spec(
            known,
            serde_path_to_error::Deserializer::new(value, track),
            &object,
        )
    });
    let Some(spec) = spec else {
        read.problems.push(Problem {
            line,
            message: format!("cannot read this {kind}: {}", describe(&ignored)),
            help: NOT_AN_OBJECT_HELP,
        });
        return;
    };
    let manifest = object.into_manifest(&api_version, &kind, spec);
    if let Some(first) = ignored.first_mut() {
        first.line = error_line;
    }
    read.manifests.push(Located {
        manifest,
        line,
        ignored,
    });
}

fn describe(ignored: &[IgnoredField]) -> String {
    ignored
        .last()
        .map(|f| format!("{}: {}", f.path, f.reason))
        .unwrap_or_default()
}

/// The most fields a resource may have left out before it is given up on.
const MAX_IGNORED_FIELDS: usize = 32;

/// Deserializes with `attempt`; when a field does not fit, removes it from `value`, notes
/// it in `ignored` and tries again. `None` when the value itself does not fit.
fn forgiving<T>(
    value: &mut Value,
    prefix: &str,
    ignored: &mut Vec<IgnoredField>,
    attempt: impl Fn(&Value, &mut Track) -> Result<T, serde_yaml::Error>,
) -> Option<T> {
    for _ in 0..MAX_IGNORED_FIELDS {
        let mut track = Track::new();
        match attempt(value, &mut track) {
            Ok(result) => return Some(result),
            Err(error) => {
                let path = track.path();
                let segments: Vec<&Segment> = path.iter().collect();
                ignored.push(IgnoredField {
                    path: join_path(prefix, &path.to_string()),
                    reason: error.to_string(),
                    line: None,
                });
                if segments.is_empty() || !remove(value, &segments) {
                    return None;
                }
            }
        }
    }
    None
}

fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path == ".") {
        (true, _) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Removes the value at `path`; `false` when there is nothing to remove.
fn remove(value: &mut Value, path: &[&Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut current = value;
    for segment in parents {
        let next = match (segment, current) {
            (Segment::Seq { index }, Value::Sequence(items)) => items.get_mut(*index),
            (Segment::Map { key }, Value::Mapping(map)) => map.get_mut(key.as_str()),
            (Segment::Enum { .. }, current) => Some(current),
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return false,
        }
    }
    match (last, current) {
        (Segment::Seq { index }, Value::Sequence(items)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        (Segment::Map { key }, Value::Mapping(map)) => map.remove(key.as_str()).is_some(),
        _ => false,
    }
}

/// `apiVersion` and `kind` of a generic value, or why it is not a Kubernetes object.
fn type_of(value: &Value) -> Result<(String, String), String> {
    let Value::Mapping(map) = value else {
        return Err(
            "not a Kubernetes object: the document is not a mapping with `apiVersion` and `kind`"
                .to_owned(),
        );
    };
    let field = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_owned);
    match (field("apiVersion"), field("kind")) {
        (Some(api_version), Some(kind)) => Ok((api_version, kind)),
        _ => Err("not a Kubernetes object: `apiVersion` or `kind` is missing".to_owned()),
    }
}

#[derive(Deserialize)]
struct List {
    #[serde(default)]
    items: Vec<Value>,
}

/// A `kind: List` (what `kubectl get -o yaml` prints): each item is read as a document of
/// its own, at the line its `- ` starts on.
fn read_list(document: &Document, line: usize, read: &mut Read) {
    let list: List = match serde_yaml::from_str(document.text) {
        Ok(list) => list,
        Err(error) => {
            read.problems.push(yaml_problem(&error, document, line));
            return;
        }
    };
    let item_lines = list_item_lines(document, list.items.len());
    for (index, item) in list.items.into_iter().enumerate() {
        let item_line = item_lines.as_ref().map_or(line, |lines| lines[index]);
        match type_of(&item) {
            Ok((api_version, kind)) if api_version == "v1" && kind == "List" => {
                read.problems.push(Problem {
                    line: item_line,
                    message: "a List inside a List is not a Kubernetes object".to_owned(),
                    help: NOT_AN_OBJECT_HELP,
                });
            }
            _ => read_value(item, item_line, None, read),
        }
    }
}

#[cfg(test)]
mod tests;
