//! Normalisation: what is taken out of both sides before they are compared, so that only
//! differences that matter to the cluster remain. Each step is documented in
//! docs/diff.md; nothing else is guessed.
//!
//! - Fields the API server sets (`status`, `metadata.managedFields`, ...) never get here:
//!   the deployed objects are read without them ([`crate::manifest::objects`]), and the
//!   compiled side has none.
//! - A missing `metadata.namespace` is the policy's config namespace.
//! - `null` is absent: the API server prunes nulls from custom resources, and Istio reads a
//!   null wrapper field as unset.
//! - In an Istio resource's `spec`, an empty list is absent (protobuf repeated fields have no
//!   presence), and so is an empty map field (protobuf maps, listed in `istio_fields.txt`).
//!   An empty *message* (`tls: {}`) is kept: Istio can tell it from an absent one.
//! - Empty `metadata.labels`, `metadata.annotations` and empty lists in `metadata` are absent,
//!   as Kubernetes stores them.
//!
//! Key order, quoting, flow or block style, comments and document markers never reach this
//! stage: both sides are compared as parsed values.

use serde_json::{Map, Value};

use super::istio_fields::{FieldTree, IstioFields};

/// Normalises one object in place.
pub(super) fn normalise(object: &mut Value, config_namespace: &str) {
    normalise_fields(object);
    default_namespace(object, config_namespace);
}

/// Every step of [`normalise`] but the config namespace: the deployed objects are packed
/// ([`super::deployed::Packed`]) before the policy that names it is read.
pub(super) fn normalise_fields(object: &mut Value) {
    let Value::Object(fields) = object else {
        return;
    };
    let (group, kind) = super::group_and_kind(fields);
    let istio = IstioFields::get();
    let spec_maps = istio.maps(group, kind).and_then(|tree| tree.child("spec"));
    let is_istio = istio.is_istio(group, kind);
    for (key, value) in fields.iter_mut() {
        match key.as_str() {
            "metadata" => normalise_metadata(value),
            "spec" if is_istio => drop_absent(value, spec_maps, true),
            _ => drop_absent(value, None, false),
        }
    }
    fields.retain(|_, value| !value.is_null());
}

fn normalise_metadata(metadata: &mut Value) {
    let Value::Object(metadata) = metadata else {
        return;
    };
    for (key, value) in metadata.iter_mut() {
        if !matches!(key.as_str(), "labels" | "annotations") {
            drop_absent(value, None, true);
        }
    }
    metadata.retain(|key, value| match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !(map.is_empty() && matches!(key.as_str(), "labels" | "annotations")),
        _ => true,
    });
}

/// A missing `metadata.namespace` is the config namespace (added last, after nulls are gone).
pub(super) fn default_namespace(object: &mut Value, config_namespace: &str) {
    if let Some(Value::Object(metadata)) = object.get_mut("metadata")
        && !metadata.contains_key("namespace")
    {
        metadata.insert(
            "namespace".to_owned(),
            Value::String(config_namespace.to_owned()),
        );
    }
}

/// Removes, below `value`, what stands for an absent field: nulls, and (in an Istio spec)
/// empty lists and empty map fields. `maps` follows `value` in the tree of map fields.
fn drop_absent(value: &mut Value, maps: Option<&FieldTree>, empty_lists_absent: bool) {
    match value {
        Value::Object(fields) => {
            let is_map = maps.is_some_and(|tree| tree.map);
            fields.retain(|key, child| {
                let child_maps = maps.and_then(|tree| tree.child(if is_map { "*" } else { key }));
                drop_absent(child, child_maps, empty_lists_absent);
                !is_absent(child, child_maps, empty_lists_absent)
            });
        }
        Value::Array(items) => {
            let item_maps = maps.and_then(|tree| tree.child("-"));
            for item in items {
                drop_absent(item, item_maps, empty_lists_absent);
            }
        }
        _ => {}
    }
}

fn is_absent(value: &Value, maps: Option<&FieldTree>, empty_lists_absent: bool) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => empty_lists_absent && items.is_empty(),
        Value::Object(fields) => fields.is_empty() && maps.is_some_and(|tree| tree.map),
        _ => false,
    }
}

/// Reorders the keys of `deployed` to follow `compiled` (keys only one side has come
/// last, in their own order), so the text diff of the two shows changed lines, not moved
/// ones. Values are untouched.
pub(super) fn align_keys(deployed: &mut Value, compiled: &Value) {
    match (deployed, compiled) {
        (Value::Object(deployed), Value::Object(compiled)) => {
            let mut ordered = Map::with_capacity(deployed.len());
            for (key, compiled_value) in compiled {
                if let Some(mut value) = deployed.shift_remove(key) {
                    align_keys(&mut value, compiled_value);
                    ordered.insert(key.clone(), value);
                }
            }
            ordered.append(deployed);
            *deployed = ordered;
        }
        (Value::Array(deployed), Value::Array(compiled)) => {
            for (item, compiled_item) in deployed.iter_mut().zip(compiled) {
                align_keys(item, compiled_item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn normalised(mut value: Value) -> Value {
        normalise(&mut value, "istio-egress");
        value
    }

    #[test]
    fn empty_lists_maps_and_nulls_are_absent_where_istio_cannot_tell() {
        let value = normalised(json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
            "metadata": {"name": "a", "labels": {}, "finalizers": []},
            "spec": {
                "host": "a.example", "exportTo": [],
                "subsets": [{"name": "s", "labels": {}, "trafficPolicy": {"tls": {}}}],
                "trafficPolicy": null,
            },
        }));
        assert_eq!(
            value,
            json!({
                "apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
                "metadata": {"name": "a", "namespace": "istio-egress"},
                "spec": {
                    "host": "a.example",
                    "subsets": [{"name": "s", "trafficPolicy": {"tls": {}}}],
                },
            })
        );
    }

    #[test]
    fn other_kinds_lose_only_nulls() {
        let value = normalised(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "b"},
            "data": {"empty": "", "list": [], "gone": null},
        }));
        assert_eq!(value["data"], json!({"empty": "", "list": []}));
    }

    #[test]
    fn keys_only_the_deployed_side_has_keep_their_order() {
        let mut deployed = json!({"kind": "K", "c": 1, "a": 2, "b": 3});
        align_keys(&mut deployed, &json!({"kind": "K"}));
        assert_eq!(
            serde_json::to_string(&deployed).unwrap(),
            r#"{"kind":"K","c":1,"a":2,"b":3}"#
        );
    }

    #[test]
    fn keys_follow_the_compiled_order() {
        let mut deployed =
            json!({"spec": {"b": 1, "a": [{"y": 1, "x": 2}]}, "kind": "K", "extra": 1});
        let compiled = json!({"kind": "K", "spec": {"a": [{"x": 2, "y": 1}], "b": 1}});
        align_keys(&mut deployed, &compiled);
        assert_eq!(
            serde_json::to_string(&deployed).unwrap(),
            r#"{"kind":"K","spec":{"a":[{"x":2,"y":1}],"b":1},"extra":1}"#
        );
    }
}
