//! The deployed side: objects read from the manifests, held compact until each is compared,
//! and found by name.

use std::collections::hash_map::Entry;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Duplicate, Key, Options, describe, key_of, managed_by_egressc, normalise};
use crate::report::At;

/// A deployed object as `diff` holds it until it is compared: its name, whether egressc
/// manages it, and the object itself normalised as JSON text. A cluster's List holds tens of
/// thousands of objects, read while the policy compiles; as parsed values they took several
/// times the memory of their YAML (docs/performance.md). An object is parsed again only to be
/// compared or shown, and only the resource it is compared with is held beside it.
#[derive(Debug)]
pub struct Packed {
    /// Its key; the namespace is the one it names, or empty ([`Packed::namespace_given`]).
    key: Key,
    /// Whether `metadata.namespace` is given. An object without one is in the policy's
    /// config namespace, which is not known yet when the reader packs it.
    namespace_given: bool,
    managed: bool,
    /// Normalised, but for the config namespace where it names none.
    json: Box<RawValue>,
}

impl Packed {
    /// Packs a deployed object read from the manifests.
    pub fn new(mut object: Value) -> Packed {
        normalise::normalise_fields(&mut object);
        // Only a metadata map without a namespace (nulls are gone by now) gets the config
        // namespace, as `normalise::default_namespace` gives it.
        let namespace_given = !matches!(
            object.get("metadata"),
            Some(Value::Object(metadata)) if !metadata.contains_key("namespace")
        );
        Packed {
            key: key_of(&object),
            namespace_given,
            managed: managed_by_egressc(&object),
            json: serde_json::value::to_raw_value(&object).expect("a JSON value serializes"),
        }
    }
}

/// A deployed object and where it was read.
#[derive(Debug)]
pub struct Deployed {
    pub object: Packed,
    pub at: At,
}

/// A deployed object in a [`DeployedIndex`]: what [`Packed`] holds but its key.
#[derive(Debug)]
pub(super) struct Held {
    pub(super) at: At,
    pub(super) managed: bool,
    namespace_given: bool,
    json: Box<RawValue>,
}

impl Held {
    /// The object as a normalised value, in the config namespace when it names none.
    pub(super) fn value(&self, options: &Options) -> Value {
        let mut object = serde_json::from_str(self.json.get()).expect("JSON that diff wrote");
        if !self.namespace_given {
            normalise::default_namespace(&mut object, &options.config_namespace);
        }
        object
    }
}

/// Deployed objects found by name. `diff` makes one of the items of the `kind: List`s (what
/// `kubectl get -o yaml` prints) before the policy is compiled, since no compiled resource
/// can match those by text: each compiled resource is compared with its object there as
/// soon as it is made ([`super::CompiledSide::new`]), so the value of a resource that is the
/// same as deployed is let go of at once. A second one holds the documents parsed once no
/// resource had matched them by text.
#[derive(Debug, Default)]
pub struct DeployedIndex {
    pub(super) objects: Vec<Held>,
    pub(super) by_key: HashMap<Key, usize>,
    /// Two objects that are one resource, found as the index was made.
    pub(super) duplicates: Vec<Duplicate>,
}

impl DeployedIndex {
    /// Finds each object by its key, in the config namespace when it names none.
    pub fn new(objects: Vec<Deployed>, options: &Options) -> DeployedIndex {
        let mut index = DeployedIndex {
            objects: Vec::with_capacity(objects.len()),
            by_key: HashMap::with_capacity(objects.len()),
            duplicates: Vec::new(),
        };
        for Deployed { object, at } in objects {
            let Packed {
                mut key,
                namespace_given,
                managed,
                json,
            } = object;
            if !namespace_given {
                key.namespace = CompactString::from(options.config_namespace.as_str());
            }
            match index.by_key.entry(key) {
                Entry::Occupied(first) => index.duplicates.push(Duplicate {
                    resource: describe(first.key()),
                    first: index.objects[*first.get()].at,
                    second: at,
                }),
                Entry::Vacant(slot) => {
                    slot.insert(index.objects.len());
                    index.objects.push(Held {
                        at,
                        managed,
                        namespace_given,
                        json,
                    });
                }
            }
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Packing, indexing and unpacking an object gives what normalising it gives, with the
    /// key the normalised object has: the deployed side reads the same as before it was packed.
    #[test]
    fn a_packed_object_unpacks_as_it_normalises() {
        let options = Options {
            config_namespace: "istio-egress".to_owned(),
            include_unmanaged: false,
        };
        let objects = [
            json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                   "metadata": {"name": "a", "labels": {}}, "spec": {"hosts": ["a"], "exportTo": []}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                   "metadata": {"name": "b", "namespace": null}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                   "metadata": {"name": "c", "namespace": "team"}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                   "metadata": {"name": "d", "namespace": 7}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": null}),
            json!({"apiVersion": "v1", "kind": "Secret"}),
            // Floats that serde_json reads back one ulp off without `float_roundtrip`.
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "f"},
                   "data": {"z": 1.071_566_039_146_582_6e-75, "y": 0.013_000_000_000_000_001,
                            "a": 1e300, "m": -5}}),
        ];
        let mut sources = crate::source::Sources::default();
        let source = sources.add("deployed.yaml", String::new());
        let deployed = objects
            .iter()
            .enumerate()
            .map(|(line, object)| Deployed {
                object: Packed::new(object.clone()),
                at: At { source, line },
            })
            .collect();
        let index = DeployedIndex::new(deployed, &options);
        assert!(index.duplicates.is_empty());
        for (line, object) in objects.into_iter().enumerate() {
            let mut normalised = object;
            normalise::normalise(&mut normalised, &options.config_namespace);
            let key = key_of(&normalised);
            let held = &index.objects[index.by_key[&key]];
            assert_eq!(held.at.line, line);
            let unpacked = held.value(&options);
            // Equal as values and in key order, which the text diff shows.
            assert_eq!(unpacked, normalised);
            assert_eq!(unpacked.to_string(), normalised.to_string());
        }
    }

    #[test]
    fn only_objects_labelled_as_egressc_s_are_managed() {
        let labelled = |labels: Value| {
            Packed::new(json!({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": "a", "labels": labels}}))
            .managed
        };
        assert!(labelled(json!({"app.kubernetes.io/managed-by": "egressc"})));
        assert!(!labelled(json!({"app.kubernetes.io/managed-by": "helm"})));
        assert!(!labelled(Value::Null));
    }
}
