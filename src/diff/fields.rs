//! The fields that differ between a deployed object and its compiled resource, each named by
//! a JSON pointer (RFC 6901) into the normalised objects: what `diff --format json` reports.

use serde::Serialize;
use serde_json::Value;

/// One field whose value differs. An absent side is left out (after normalisation, no
/// field is `null`).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FieldChange {
    /// Where the field is, as a JSON pointer: `/spec/ports/0/number`.
    pub pointer: String,
    /// The deployed value; absent when only the policy has the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The value from the policy; absent when only the deployed object has the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// Every differing field, in the compiled resource's key order (fields only the deployed
/// side has come after). Lists of the same length are compared item by item; a list whose
/// length changed is reported whole, since its items cannot be paired without guessing.
pub fn changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    compare(old, new, &mut String::new(), &mut out);
    out
}

fn compare(old: &Value, new: &Value, pointer: &mut String, out: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(old_fields), Value::Object(new_fields)) => {
            for (key, new_value) in new_fields {
                within(pointer, key, |pointer| match old_fields.get(key) {
                    Some(old_value) => compare(old_value, new_value, pointer, out),
                    None => out.push(change(pointer, None, Some(new_value))),
                });
            }
            for (key, old_value) in old_fields {
                if !new_fields.contains_key(key) {
                    within(pointer, key, |pointer| {
                        out.push(change(pointer, Some(old_value), None));
                    });
                }
            }
        }
        (Value::Array(old_items), Value::Array(new_items))
            if old_items.len() == new_items.len() =>
        {
            for (index, (old_item, new_item)) in old_items.iter().zip(new_items).enumerate() {
                within(pointer, &index.to_string(), |pointer| {
                    compare(old_item, new_item, pointer, out);
                });
            }
        }
        _ => out.push(change(pointer, Some(old), Some(new))),
    }
}

/// Runs `f` with `segment` appended to the pointer, escaped as RFC 6901 requires.
fn within(pointer: &mut String, segment: &str, f: impl FnOnce(&mut String)) {
    let length = pointer.len();
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    f(pointer);
    pointer.truncate(length);
}

fn change(pointer: &str, old: Option<&Value>, new: Option<&Value>) -> FieldChange {
    FieldChange {
        pointer: pointer.to_owned(),
        old: old.cloned(),
        new: new.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pointers_name_each_changed_field() {
        let old = json!({"metadata": {"labels": {"app.kubernetes.io/team": "a", "gone": "x"}},
                         "spec": {"ports": [{"number": 443}], "hosts": ["a"]}});
        let new = json!({"metadata": {"labels": {"app.kubernetes.io/team": "b"}},
                         "spec": {"ports": [{"number": 8443}], "hosts": ["a", "b"], "new": 1}});
        let pointers: Vec<(String, Option<Value>, Option<Value>)> = changes(&old, &new)
            .into_iter()
            .map(|c| (c.pointer, c.old, c.new))
            .collect();
        assert_eq!(
            pointers,
            [
                (
                    "/metadata/labels/app.kubernetes.io~1team".to_owned(),
                    Some(json!("a")),
                    Some(json!("b"))
                ),
                ("/metadata/labels/gone".to_owned(), Some(json!("x")), None),
                (
                    "/spec/ports/0/number".to_owned(),
                    Some(json!(443)),
                    Some(json!(8443))
                ),
                (
                    "/spec/hosts".to_owned(),
                    Some(json!(["a"])),
                    Some(json!(["a", "b"]))
                ),
                ("/spec/new".to_owned(), None, Some(json!(1))),
            ]
        );
    }
}
