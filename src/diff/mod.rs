//! `diff`: what the compiled policy would change in what is deployed.
//!
//! ```text
//! compiled resources ──┐
//!                      ├─> normalise -> pair -> compare -> Diff -> text | json | stat
//! deployed objects ────┘
//! ```
//!
//! Both sides are normalised the same way ([`normalise`]), paired by group, kind, namespace
//! and name, and compared as values; only the resources that differ are rendered as text.
//! `diff` never reads the policy and never writes anything: it gets the resources `build`
//! would write and the objects read from the deployed manifests.

mod fields;
mod istio_fields;
mod normalise;
pub mod output;

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::{Map, Value};

pub use fields::FieldChange;

use crate::policy::MANAGED_BY;
use crate::report::At;

/// A deployed object and where it was read.
#[derive(Clone, Debug)]
pub struct Deployed {
    pub value: Value,
    pub at: At,
}

/// What applying the policy would do to one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// In the policy, not deployed.
    Add,
    /// Deployed and in the policy, different.
    Change,
    /// Deployed by egressc, no longer in the policy.
    Remove,
}

/// One resource that differs, both sides normalised.
#[derive(Clone, Debug)]
pub struct Difference {
    pub change: ChangeKind,
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The deployed object; `None` for one to add.
    pub deployed: Option<Value>,
    /// Where the deployed object was read.
    pub deployed_at: Option<At>,
    /// The compiled resource; `None` for one to remove.
    pub compiled: Option<Value>,
}

/// Everything that differs, in the order of the compiled resources, then the ones to remove.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    pub differences: Vec<Difference>,
    /// Paired resources that are the same.
    pub unchanged: usize,
}

impl Diff {
    pub fn count(&self, change: ChangeKind) -> usize {
        self.differences
            .iter()
            .filter(|d| d.change == change)
            .count()
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// The namespace of resources that name none: the policy's config namespace.
    pub config_namespace: String,
    /// Report every deployed Istio resource the policy does not have as one to remove, not
    /// only those labelled as egressc's.
    pub include_unmanaged: bool,
}

/// Two deployed objects that are one resource.
#[derive(Clone, Debug)]
pub struct Duplicate {
    pub resource: String,
    pub first: At,
    pub second: At,
}

/// What pairs a compiled resource with a deployed one: the versions of a kind are one
/// resource, so the version is not part of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    group: String,
    kind: String,
    namespace: String,
    name: String,
}

/// A resource `build` would write, as the comparison reads it.
pub trait CompiledResource {
    /// Its `apiVersion`, `kind`, `metadata.namespace` and `metadata.name`.
    fn id(&self) -> (&str, &str, Option<&str>, &str);
    /// The resource as a value. Only made for a resource that is not deployed byte for byte
    /// as `build` writes it: in a repository `build -o` wrote, that is almost none.
    fn value(&self) -> Cow<'_, Value>;
}

/// A compiled resource made ready to compare ([`CompiledSide::new`]): what `diff` keeps of
/// it, so that neither its typed form nor its text is held until the comparison.
#[derive(Clone, Debug)]
pub struct CompiledSide {
    key: Key,
    /// Where deployed documents hold exactly its text (in input order): equal to it without
    /// being parsed.
    identical: Vec<At>,
    /// The resource as a normalised value; made only when no deployed document holds its
    /// text.
    value: Option<Value>,
}

impl CompiledSide {
    /// `identical`: where the deployed manifests hold the resource's text byte for byte.
    pub fn new<C: CompiledResource>(
        resource: &C,
        identical: Vec<At>,
        options: &Options,
    ) -> CompiledSide {
        if !identical.is_empty() {
            return CompiledSide {
                key: key_of_id(resource.id()),
                identical,
                value: None,
            };
        }
        let mut value = resource.value().into_owned();
        normalise::normalise(&mut value, &options.config_namespace);
        CompiledSide {
            key: key_of(&value),
            identical,
            value: Some(value),
        }
    }
}

/// Compares the compiled resources, in the order `build` writes them, with the deployed
/// objects (the documents not identical to one of them).
pub fn diff(
    compiled: Vec<CompiledSide>,
    deployed: Vec<Deployed>,
    options: &Options,
) -> Result<Diff, Vec<Duplicate>> {
    let mut duplicates = Vec::new();
    let mut by_key: HashMap<Key, Deployed> = HashMap::with_capacity(deployed.len());
    for mut object in deployed {
        normalise::normalise(&mut object.value, &options.config_namespace);
        let key = key_of(&object.value);
        match by_key.entry(key) {
            Entry::Occupied(first) => duplicates.push(Duplicate {
                resource: describe(first.key()),
                first: first.get().at,
                second: object.at,
            }),
            Entry::Vacant(slot) => {
                slot.insert(object);
            }
        }
    }
    let mut result = Diff::default();
    // The (group, kind) pairs compiled: a handful, so a list.
    let mut kinds_compiled: Vec<(String, String)> = Vec::new();
    for CompiledSide {
        key,
        identical,
        value,
    } in compiled
    {
        if !is_compiled_kind(&kinds_compiled, &key) {
            kinds_compiled.push((key.group.clone(), key.kind.clone()));
        }
        let Some(resource) = value else {
            let first = identical[0];
            duplicates.extend(identical[1..].iter().map(|&second| Duplicate {
                resource: describe(&key),
                first,
                second,
            }));
            if let Some(other) = by_key.remove(&key) {
                duplicates.push(Duplicate {
                    resource: describe(&key),
                    first,
                    second: other.at,
                });
            }
            result.unchanged += 1;
            continue;
        };
        match by_key.remove(&key) {
            None => result
                .differences
                .push(difference(ChangeKind::Add, key, None, Some(resource))),
            Some(mut object) => {
                adopt_api_version(&mut object.value, &resource);
                if object.value == resource {
                    result.unchanged += 1;
                } else {
                    normalise::align_keys(&mut object.value, &resource);
                    result.differences.push(difference(
                        ChangeKind::Change,
                        key,
                        Some(object),
                        Some(resource),
                    ));
                }
            }
        }
    }
    if !duplicates.is_empty() {
        duplicates.sort_by_key(|d| d.second);
        return Err(duplicates);
    }
    let mut removed: Vec<(Key, Deployed)> = by_key
        .into_iter()
        .filter(|(key, object)| {
            managed_by_egressc(&object.value)
                || (options.include_unmanaged
                    && (istio_fields::IstioFields::get().is_istio(&key.group, &key.kind)
                        || is_compiled_kind(&kinds_compiled, key)))
        })
        .collect();
    removed.sort_by_key(|(_, object)| object.at);
    for (key, object) in removed {
        result
            .differences
            .push(difference(ChangeKind::Remove, key, Some(object), None));
    }
    Ok(result)
}

fn is_compiled_kind(kinds: &[(String, String)], key: &Key) -> bool {
    kinds
        .iter()
        .any(|(group, kind)| *group == key.group && *kind == key.kind)
}

fn difference(
    change: ChangeKind,
    key: Key,
    deployed: Option<Deployed>,
    compiled: Option<Value>,
) -> Difference {
    let shown = compiled
        .as_ref()
        .or(deployed.as_ref().map(|d| &d.value))
        .expect("a difference has a side");
    Difference {
        change,
        api_version: string_at(shown, "apiVersion").to_owned(),
        kind: key.kind,
        namespace: key.namespace,
        name: key.name,
        deployed_at: deployed.as_ref().map(|d| d.at),
        deployed: deployed.map(|d| d.value),
        compiled,
    }
}

/// The deployed object in the compiled resource's `apiVersion` when Istio serves the kind
/// in both: `v1beta1` and `v1` of a ServiceEntry are the same stored resource.
fn adopt_api_version(deployed: &mut Value, compiled: &Value) {
    let (Some(theirs), Some(ours)) = (
        deployed.get("apiVersion").and_then(Value::as_str),
        compiled.get("apiVersion").and_then(Value::as_str),
    ) else {
        return;
    };
    if theirs == ours {
        return;
    }
    let (group, kind) = group_and_kind(compiled.as_object().expect("an object"));
    let fields = istio_fields::IstioFields::get();
    let (_, their_version) = split_api_version(theirs);
    let (_, our_version) = split_api_version(ours);
    if fields.serves(group, kind, their_version) && fields.serves(group, kind, our_version) {
        deployed["apiVersion"] = Value::String(ours.to_owned());
    }
}

fn managed_by_egressc(object: &Value) -> bool {
    object
        .pointer("/metadata/labels")
        .and_then(|labels| labels.get(MANAGED_BY.0))
        .and_then(Value::as_str)
        == Some(MANAGED_BY.1)
}

fn key_of(object: &Value) -> Key {
    let (group, kind) = object.as_object().map_or(("", ""), group_and_kind);
    Key {
        group: group.to_owned(),
        kind: kind.to_owned(),
        namespace: string_at(object, "/metadata/namespace").to_owned(),
        name: string_at(object, "/metadata/name").to_owned(),
    }
}

/// The key of a resource as it says it, not normalised: what a byte-identical deployed
/// document says too.
fn key_of_id((api_version, kind, namespace, name): (&str, &str, Option<&str>, &str)) -> Key {
    Key {
        group: split_api_version(api_version).0.to_owned(),
        kind: kind.to_owned(),
        namespace: namespace.unwrap_or_default().to_owned(),
        name: name.to_owned(),
    }
}

fn describe(key: &Key) -> String {
    format!("{} {}/{}", key.kind, key.namespace, key.name)
}

/// The API group (empty for the core group) and kind of an object.
fn group_and_kind(object: &Map<String, Value>) -> (&str, &str) {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    (split_api_version(api_version).0, kind)
}

/// `group/version` into its parts; the core group's `v1` has no group.
fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// The string at `pointer` (or the top-level key), empty when there is none.
fn string_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    let value = if pointer.starts_with('/') {
        object.pointer(pointer)
    } else {
        object.get(pointer)
    };
    value.and_then(Value::as_str).unwrap_or_default()
}
