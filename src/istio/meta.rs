//! `apiVersion`/`kind` and `metadata`, common to every resource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeMeta {
    pub api_version: String,
    pub kind: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A resource: type, metadata and spec, in the order kubectl users expect to read them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Object<S> {
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    pub metadata: ObjectMeta,
    pub spec: S,
}

impl<S> Object<S> {
    pub fn new(api_version: &str, kind: &str, metadata: ObjectMeta, spec: S) -> Object<S> {
        Object {
            type_meta: TypeMeta {
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
            },
            metadata,
            spec,
        }
    }
}

/// A port reference in routes and traffic policies: `port: {number: 443}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortSelector {
    pub number: u16,
}
