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
//!
//! Each compiled resource is made ready to compare as it is compiled ([`CompiledSide`]):
//! matched by its exact text to a deployed document, or compared there and then with its
//! item of a `kind: List` ([`DeployedIndex`]). Only what is still to compare is kept for
//! [`diff`], so a big policy's resources are never all held as values.

mod deployed;
mod fields;
mod istio_fields;
mod normalise;
pub mod output;

use std::borrow::Cow;

use compact_str::CompactString;
use serde_json::{Map, Value};

pub use deployed::{Deployed, DeployedIndex, Packed};
pub use fields::FieldChange;

use deployed::Held;

use crate::policy::MANAGED_BY;
use crate::report::At;

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
/// Its parts are inline up to 24 bytes: one key is kept for every compiled resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    group: CompactString,
    kind: CompactString,
    namespace: CompactString,
    name: CompactString,
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
    /// being parsed. Nearly always one place or none, so a list without spare room.
    identical: Box<[At]>,
    /// The listed object it was compared with (see [`DeployedIndex`]).
    compared_with: Option<usize>,
    /// The resource as a normalised value; kept only when it is neither deployed word for
    /// word nor equal to its listed object (boxed: most resources have none).
    value: Option<Box<Value>>,
}

impl CompiledSide {
    /// `identical`: where the deployed manifests hold the resource's text byte for byte.
    /// Otherwise the resource is made into a value and compared with its object in
    /// `listed`, if it has one there.
    pub fn new<C: CompiledResource>(
        resource: &C,
        identical: Vec<At>,
        listed: &DeployedIndex,
        options: &Options,
    ) -> CompiledSide {
        if !identical.is_empty() {
            return CompiledSide {
                key: key_of_id(resource.id()),
                identical: identical.into_boxed_slice(),
                compared_with: None,
                value: None,
            };
        }
        let mut value = resource.value().into_owned();
        normalise::normalise(&mut value, &options.config_namespace);
        let key = key_of(&value);
        let found = listed.by_key.get(&key).copied();
        let same =
            found.is_some_and(|index| same_resource(&listed.objects[index].value(options), &value));
        CompiledSide {
            key,
            identical: Box::default(),
            compared_with: found,
            value: (!same).then(|| Box::new(value)),
        }
    }
}

/// Compares the compiled resources, in the order `build` writes them, with the deployed
/// objects: those `listed` (which each resource was compared with as it was made) and the
/// `rest` (the documents no resource matched by its text).
pub fn diff(
    compiled: Vec<CompiledSide>,
    listed: DeployedIndex,
    rest: DeployedIndex,
    options: &Options,
) -> Result<Diff, Vec<Duplicate>> {
    let mut duplicates = listed.duplicates;
    duplicates.extend(rest.duplicates);
    let mut listed_objects: Vec<Option<Held>> = listed.objects.into_iter().map(Some).collect();
    let mut rest_objects: Vec<Option<Held>> = rest.objects.into_iter().map(Some).collect();
    // A resource both in a List and in a document of its own.
    for (key, &index) in &rest.by_key {
        if let Some(&other) = listed.by_key.get(key) {
            let a = listed_objects[other].as_ref().expect("listed once").at;
            let b = rest_objects[index].take().expect("in the index once").at;
            duplicates.push(Duplicate {
                resource: describe(key),
                first: a.min(b),
                second: a.max(b),
            });
        }
    }
    let mut deployed_as = |key: &Key, listed_index: Option<usize>| match listed_index {
        Some(index) => listed_objects[index].take(),
        None => rest
            .by_key
            .get(key)
            .and_then(|&index| rest_objects[index].take())
            .or_else(|| {
                let index = *listed.by_key.get(key)?;
                listed_objects[index].take()
            }),
    };
    let mut result = Diff::default();
    // The (group, kind) pairs compiled: a handful, so a list.
    let mut kinds_compiled: Vec<(CompactString, CompactString)> = Vec::new();
    for CompiledSide {
        key,
        identical,
        compared_with,
        value,
    } in compiled
    {
        if !is_compiled_kind(&kinds_compiled, &key) {
            kinds_compiled.push((key.group.clone(), key.kind.clone()));
        }
        if let Some(&first) = identical.first() {
            duplicates.extend(identical[1..].iter().map(|&second| Duplicate {
                resource: describe(&key),
                first,
                second,
            }));
            if let Some(other) = deployed_as(&key, None) {
                duplicates.push(Duplicate {
                    resource: describe(&key),
                    first,
                    second: other.at,
                });
            }
            result.unchanged += 1;
            continue;
        }
        match (deployed_as(&key, compared_with), value.map(|value| *value)) {
            // Equal to its listed object, compared as it was made.
            (_, None) => result.unchanged += 1,
            (None, Some(resource)) => {
                result
                    .differences
                    .push(difference(ChangeKind::Add, key, None, Some(resource)));
            }
            (Some(object), Some(resource)) => {
                let mut deployed = object.value(options);
                // A listed object was compared as the resource was made, and differed.
                if compared_with.is_none() && same_resource(&deployed, &resource) {
                    result.unchanged += 1;
                    continue;
                }
                adopt_api_version(&mut deployed, &resource);
                normalise::align_keys(&mut deployed, &resource);
                result.differences.push(difference(
                    ChangeKind::Change,
                    key,
                    Some((deployed, object.at)),
                    Some(resource),
                ));
            }
        }
    }
    if !duplicates.is_empty() {
        duplicates.sort_by_key(|d| d.second);
        return Err(duplicates);
    }
    // What is left deployed that the policy does not have.
    let mut removed: Vec<(Key, Held)> =
        [(rest.by_key, rest_objects), (listed.by_key, listed_objects)]
            .into_iter()
            .flat_map(|(by_key, mut objects)| {
                by_key.into_iter().filter_map(move |(key, index)| {
                    objects[index].take().map(|object| (key, object))
                })
            })
            .filter(|(key, object)| {
                object.managed
                    || (options.include_unmanaged
                        && (istio_fields::IstioFields::get().is_istio(&key.group, &key.kind)
                            || is_compiled_kind(&kinds_compiled, key)))
            })
            .collect();
    removed.sort_by_key(|(_, object)| object.at);
    for (key, object) in removed {
        let deployed = (object.value(options), object.at);
        result
            .differences
            .push(difference(ChangeKind::Remove, key, Some(deployed), None));
    }
    Ok(result)
}

fn is_compiled_kind(kinds: &[(CompactString, CompactString)], key: &Key) -> bool {
    kinds
        .iter()
        .any(|(group, kind)| *group == key.group && *kind == key.kind)
}

fn difference(
    change: ChangeKind,
    key: Key,
    deployed: Option<(Value, At)>,
    compiled: Option<Value>,
) -> Difference {
    let shown = compiled
        .as_ref()
        .or(deployed.as_ref().map(|(value, _)| value))
        .expect("a difference has a side");
    Difference {
        change,
        api_version: string_at(shown, "apiVersion").to_owned(),
        kind: key.kind.into(),
        namespace: key.namespace.into(),
        name: key.name.into(),
        deployed_at: deployed.as_ref().map(|&(_, at)| at),
        deployed: deployed.map(|(value, _)| value),
        compiled,
    }
}

/// Whether the deployed object names the compiled resource's kind in another version that
/// Istio serves as well: `v1beta1` and `v1` of a ServiceEntry are the same stored resource.
fn in_other_served_version(deployed: &Value, compiled: &Value) -> bool {
    let (Some(theirs), Some(ours)) = (
        deployed.get("apiVersion").and_then(Value::as_str),
        compiled.get("apiVersion").and_then(Value::as_str),
    ) else {
        return false;
    };
    if theirs == ours {
        return false;
    }
    let (group, kind) = group_and_kind(compiled.as_object().expect("an object"));
    let fields = istio_fields::IstioFields::get();
    let (_, their_version) = split_api_version(theirs);
    let (_, our_version) = split_api_version(ours);
    fields.serves(group, kind, their_version) && fields.serves(group, kind, our_version)
}

/// Whether a deployed object and a compiled resource, both normalised, are the same: read in
/// the compiled resource's `apiVersion` when Istio serves the kind in both.
fn same_resource(deployed: &Value, compiled: &Value) -> bool {
    if !in_other_served_version(deployed, compiled) {
        return deployed == compiled;
    }
    let (Value::Object(deployed), Value::Object(compiled)) = (deployed, compiled) else {
        return false;
    };
    deployed.len() == compiled.len()
        && deployed
            .iter()
            .all(|(key, value)| key == "apiVersion" || compiled.get(key) == Some(value))
}

/// The deployed object in the compiled resource's `apiVersion` when it is the same
/// resource in another served version, so that only real differences are shown.
fn adopt_api_version(deployed: &mut Value, compiled: &Value) {
    if in_other_served_version(deployed, compiled) {
        deployed["apiVersion"] = compiled["apiVersion"].clone();
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
        group: group.into(),
        kind: kind.into(),
        namespace: string_at(object, "/metadata/namespace").into(),
        name: string_at(object, "/metadata/name").into(),
    }
}

/// The key of a resource as it says it, not normalised: what a byte-identical deployed
/// document says too.
fn key_of_id((api_version, kind, namespace, name): (&str, &str, Option<&str>, &str)) -> Key {
    Key {
        group: split_api_version(api_version).0.into(),
        kind: kind.into(),
        namespace: namespace.unwrap_or_default().into(),
        name: name.into(),
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
