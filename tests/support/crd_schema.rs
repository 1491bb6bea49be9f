//! Test support: checks a rendered Kubernetes resource against the `OpenAPI`
//! v3 schemas of Istio's `CustomResourceDefinition`s in `../shared/istio-crds/`, and of the
//! Kubernetes kinds egressc writes, in CRD form, in `tests/schemas/`.
//!
//! This module owns the answer to "would the API server accept this object?"
//! for the tests, without a cluster. It implements Kubernetes *structural
//! schema* validation the way the API server applies it to custom resources:
//! types and integer formats, unknown fields (which the server prunes or, with
//! `kubectl --validate=strict`, rejects), `required`, `enum`, length / count /
//! range limits, `pattern`, `x-kubernetes-list-type` uniqueness, `nullable`,
//! `x-kubernetes-int-or-string`, and the `oneOf` / `anyOf` / `allOf` / `not`
//! junctors. `metadata` is checked against the usual `ObjectMeta` shape.
//!
//! Not evaluated: CEL rules (`x-kubernetes-validations`) except the few
//! `ServiceEntry` ones listed below, string formats other than `byte`,
//! defaults, and anything beyond the schema (admission webhooks such as
//! istiod's own validation).

// CEL rules that matter for egress configurations.
//
// Checked by hand below (`check_service_entry_rules`), for every served
// version of ServiceEntry, with the CRD's own messages:
//   - spec: "only one of WorkloadSelector or Endpoints can be set"
//   - spec: "CIDR addresses are allowed only for NONE/STATIC resolution types"
//   - spec: "NONE mode cannot set endpoints" (an unset resolution is NONE)
//   - spec: "DNS_ROUND_ROBIN mode cannot have multiple endpoints"
//   - spec.hosts[]: "hostname cannot be wildcard"
//   - spec.ports: "port number cannot be duplicated"
//   - spec.ports[].number / targetPort, spec.endpoints[].ports{}:
//     "port must be between 1-65535"
//   - spec.endpoints[]: "Address is required"
//   - spec.endpoints[].ports: "port name must be valid"
//   - spec.workloadSelector.labels{}: "wildcard is not supported in selector"
//
// NOT checked (listed so a reader knows what can still slip through):
//   - ServiceEntry endpoints: the `unix://` (UDS) address rules;
//   - Gateway / Sidecar `servers[].tls` / `ingress[].tls`: only one of
//     credentialName, credentialNames, tlsCertificates can be set;
//   - DestinationRule / VirtualService / Sidecar / Telemetry durations
//     (timeout, connectTimeout, ...): "must be a valid duration greater than
//     1ms" (the schema itself only says `type: string`);
//   - AuthorizationPolicy / Telemetry: "only one of targetRefs or selector can
//     be set", "cross namespace referencing is not currently supported",
//     selector matchLabels must not be empty or contain `*`.

// Not every integration test uses every helper.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// (group, kind, version) of one served CRD version.
type CrdKey = (String, String, String);

/// The `openAPIV3Schema` of every served version of every CRD in the folder.
pub struct CrdSchemas {
    schemas: BTreeMap<CrdKey, Value>,
}

/// Where the CRDs live. `shared/` is checked out beside the crate, in CI too.
fn crd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/istio-crds")
}

impl CrdSchemas {
    /// Loads every CRD in `../shared/istio-crds` (panics with a clear message
    /// if the folder is missing or a CRD cannot be read).
    ///
    /// Every `*.yaml` file is read: the per-CRD files and `crd-all.gen.yaml`
    /// describe the same CRDs, so a version defined twice must be identical.
    #[must_use]
    pub fn load() -> CrdSchemas {
        let dir = crd_dir();
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
            panic!(
                "cannot read the Istio CRD folder {}: {e}; \
                 the repository expects `shared/` to be checked out beside it",
                dir.display()
            )
        });
        let mut files: Vec<PathBuf> = entries
            .map(|entry| entry.expect("readable directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no *.yaml CRDs in {}", dir.display());
        // Kubernetes' own kinds that egressc writes, described in CRD form.
        let kubernetes = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas");
        files.extend(
            std::fs::read_dir(&kubernetes)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", kubernetes.display()))
                .map(|entry| entry.expect("readable directory entry").path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "yaml")),
        );

        let mut schemas = BTreeMap::new();
        for file in &files {
            for crd in read_yaml_documents(file) {
                add_crd(&mut schemas, &crd, file);
            }
        }
        CrdSchemas { schemas }
    }

    /// Same as [`CrdSchemas::load`], parsed once per test binary.
    pub fn shared() -> &'static CrdSchemas {
        static SHARED: OnceLock<CrdSchemas> = OnceLock::new();
        SHARED.get_or_init(CrdSchemas::load)
    }

    /// Every served version: (group, kind, version) and its `openAPIV3Schema`, sorted.
    pub fn served(&self) -> impl Iterator<Item = (&CrdKey, &Value)> {
        self.schemas.iter()
    }

    /// Validates one resource. `Err` lists every problem found, each starting
    /// with a path such as `spec.ports[0].protocol`. An apiVersion or kind
    /// without a CRD is an error, not a pass.
    pub fn validate(&self, resource: &Value) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        match self.schema_for(resource) {
            Ok((group, kind, schema)) => {
                let object = resource.as_object().expect("schema_for checked the shape");
                check_metadata(object.get("metadata"), &mut errors);
                check_node(
                    schema,
                    &without_type_meta(object),
                    "",
                    Mode::Structural,
                    &mut errors,
                );
                if group == "networking.istio.io"
                    && kind == "ServiceEntry"
                    && let Some(spec) = object.get("spec").and_then(Value::as_object)
                {
                    check_service_entry_rules(spec, &mut errors);
                }
            }
            Err(problem) => errors.push(problem),
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The (group, kind) pairs known, e.g. for messages.
    pub fn kinds(&self) -> Vec<(String, String)> {
        let mut kinds: Vec<_> = self
            .schemas
            .keys()
            .map(|(g, k, _)| (g.clone(), k.clone()))
            .collect();
        kinds.dedup();
        kinds
    }

    /// Finds the schema of the resource's apiVersion and kind.
    fn schema_for<'a>(
        &'a self,
        resource: &'a Value,
    ) -> Result<(&'a str, &'a str, &'a Value), String> {
        let Some(object) = resource.as_object() else {
            return Err(format!(
                "(root): expected an object, got {}",
                describe(resource)
            ));
        };
        let (Some(api_version), Some(kind)) = (
            object.get("apiVersion").and_then(Value::as_str),
            object.get("kind").and_then(Value::as_str),
        ) else {
            return Err("(root): apiVersion and kind must both be set to strings".to_owned());
        };
        // Core resources ("v1") have no group; no CRD can match them.
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let key = (group.to_owned(), kind.to_owned(), version.to_owned());
        if let Some(schema) = self.schemas.get(&key) {
            return Ok((group, kind, schema));
        }
        let served: Vec<&str> = self
            .schemas
            .keys()
            .filter(|(g, k, _)| g == group && k == kind)
            .map(|(_, _, v)| v.as_str())
            .collect();
        if served.is_empty() {
            Err(format!(
                "kind: no CRD defines kind {kind} in group {group:?} (apiVersion {api_version})"
            ))
        } else {
            Err(format!(
                "apiVersion: {api_version} is not a served version of {kind} (served: {})",
                served.join(", ")
            ))
        }
    }
}

/// Parses every document of a (possibly multi-document) YAML file.
fn read_yaml_documents(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| {
            Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", file.display()))
        })
        .filter(|doc| !doc.is_null())
        .collect()
}

/// Records the schema of every served version of one CRD document.
fn add_crd(schemas: &mut BTreeMap<CrdKey, Value>, crd: &Value, file: &Path) {
    if crd["kind"] != "CustomResourceDefinition" {
        return;
    }
    let field = |pointer: &str| {
        crd.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{}: CRD without {pointer}", file.display()))
            .to_owned()
    };
    let (group, kind) = (field("/spec/group"), field("/spec/names/kind"));
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    for version in versions.into_iter().flatten() {
        // Unserved versions are rejected by the API server, so they must not validate.
        if version["served"] != true {
            continue;
        }
        let name = version["name"]
            .as_str()
            .expect("CRD version name")
            .to_owned();
        let schema = version
            .pointer("/schema/openAPIV3Schema")
            .unwrap_or_else(|| panic!("{}: {kind} {name} has no openAPIV3Schema", file.display()))
            .clone();
        let key = (group.clone(), kind.clone(), name);
        if let Some(previous) = schemas.get(&key) {
            assert!(
                *previous == schema,
                "{}: {key:?} differs from the same CRD version in another file",
                file.display()
            );
        }
        schemas.insert(key, schema);
    }
}

/// The resource without apiVersion, kind and metadata: every CRD gets those
/// three implicitly (`ObjectMeta` is checked separately by `check_metadata`).
fn without_type_meta(object: &Map<String, Value>) -> Value {
    let mut rest = object.clone();
    for key in ["apiVersion", "kind", "metadata"] {
        rest.remove(key);
    }
    Value::Object(rest)
}

// ---------------------------------------------------------------------------
// Structural schema walk
// ---------------------------------------------------------------------------

/// Structural nodes own the object's fields, so an unlisted field is unknown.
/// Sub-schemas of oneOf/anyOf/allOf/not only add value checks (in Istio's
/// CRDs just `required`), so they must not report fields as unknown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Structural,
    ValueOnly,
}

fn check_node(schema: &Value, value: &Value, path: &str, mode: Mode, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        // `additionalProperties: true` and similar boolean schemas accept anything.
        return;
    };
    if value.is_null() && flag(schema, "nullable") {
        return;
    }
    // A value of the wrong type makes every other check meaningless.
    if !check_type(schema, value, path, errors) {
        return;
    }
    check_enum(schema, value, path, errors);
    match value {
        Value::Object(map) => check_object(schema, map, path, mode, errors),
        Value::Array(items) => check_array(schema, items, path, mode, errors),
        Value::String(text) => check_string(schema, text, path, errors),
        Value::Number(_) => check_number(schema, value, path, errors),
        Value::Bool(_) | Value::Null => {}
    }
    check_junctors(schema, value, path, errors);
}

fn check_type(
    schema: &Map<String, Value>,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
) -> bool {
    let expected = if flag(schema, "x-kubernetes-int-or-string") {
        "integer or string"
    } else if let Some(expected) = schema.get("type").and_then(Value::as_str) {
        expected
    } else {
        return true;
    };
    let ok = match expected {
        "integer or string" => is_integer(value) || value.is_string(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => is_integer(value),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        other => {
            errors.push(format!(
                "{}: schema has unsupported type {other:?}",
                shown(path)
            ));
            return false;
        }
    };
    if !ok {
        errors.push(format!(
            "{}: expected {expected}, got {}",
            shown(path),
            describe(value)
        ));
    }
    ok
}

fn check_enum(schema: &Map<String, Value>, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(allowed) = schema.get("enum").and_then(Value::as_array) else {
        return;
    };
    if !allowed.contains(value) {
        let list: Vec<String> = allowed
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        errors.push(format!(
            "{}: {value} is not one of {}",
            shown(path),
            list.join(", ")
        ));
    }
}

fn check_object(
    schema: &Map<String, Value>,
    map: &Map<String, Value>,
    path: &str,
    mode: Mode,
    errors: &mut Vec<String>,
) {
    for name in string_list(schema, "required") {
        if !map.contains_key(name) {
            errors.push(format!("{}: missing required field {name:?}", shown(path)));
        }
    }
    check_count(
        schema,
        "minProperties",
        "maxProperties",
        map.len(),
        "properties",
        path,
        errors,
    );

    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    // Without properties/additionalProperties, a structural object keeps no fields at all.
    let keeps_unknown =
        flag(schema, "x-kubernetes-preserve-unknown-fields") || mode == Mode::ValueOnly;
    for (key, child) in map {
        let child_path = join_key(path, key);
        if let Some(child_schema) = properties.and_then(|p| p.get(key)) {
            check_node(child_schema, child, &child_path, mode, errors);
        } else if let Some(child_schema) = additional.filter(|a| a.is_object()) {
            check_node(child_schema, child, &child_path, mode, errors);
        } else if additional == Some(&Value::Bool(true)) {
            // Any value is allowed.
        } else if !keeps_unknown || additional == Some(&Value::Bool(false)) {
            errors.push(format!("{child_path}: unknown field"));
        }
    }
}

fn check_array(
    schema: &Map<String, Value>,
    items: &[Value],
    path: &str,
    mode: Mode,
    errors: &mut Vec<String>,
) {
    check_count(
        schema,
        "minItems",
        "maxItems",
        items.len(),
        "items",
        path,
        errors,
    );
    if let Some(item_schema) = schema.get("items") {
        for (index, item) in items.iter().enumerate() {
            check_node(item_schema, item, &format!("{path}[{index}]"), mode, errors);
        }
    }
    check_list_type(schema, items, path, errors);
}

/// `x-kubernetes-list-type: map` (unique key fields) and `set` (unique
/// items) are enforced by the API server itself, not by CEL.
fn check_list_type(
    schema: &Map<String, Value>,
    items: &[Value],
    path: &str,
    errors: &mut Vec<String>,
) {
    let keys: Vec<&str> = match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("map") => string_list(schema, "x-kubernetes-list-map-keys").collect(),
        Some("set") => Vec::new(),
        _ => return,
    };
    // A map-list item is identified by its key fields, a set item by itself.
    let identity = |item: &Value| {
        if keys.is_empty() {
            return item.clone();
        }
        let fields = keys
            .iter()
            .map(|&k| (k.to_owned(), item.get(k).cloned().unwrap_or(Value::Null)));
        Value::Object(fields.collect())
    };
    let mut seen: Vec<Value> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let id = identity(item);
        if let Some(first) = seen.iter().position(|earlier| *earlier == id) {
            errors.push(format!(
                "{path}[{index}]: duplicate entry {id} (same as {path}[{first}])"
            ));
        }
        seen.push(id);
    }
}

fn check_string(schema: &Map<String, Value>, text: &str, path: &str, errors: &mut Vec<String>) {
    // Kubernetes counts characters (runes), not bytes.
    check_count(
        schema,
        "minLength",
        "maxLength",
        text.chars().count(),
        "characters",
        path,
        errors,
    );
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match Regex::new(pattern) {
            Ok(re) if re.is_match(text) => {}
            Ok(_) => errors.push(format!(
                "{}: {text:?} does not match pattern {pattern}",
                shown(path)
            )),
            Err(e) => errors.push(format!(
                "{}: schema pattern {pattern:?} does not compile: {e}",
                shown(path)
            )),
        }
    }
    if schema.get("format").and_then(Value::as_str) == Some("byte") && !is_base64(text) {
        errors.push(format!(
            "{}: {text:?} is not base64 (format: byte)",
            shown(path)
        ));
    }
}

fn check_number(schema: &Map<String, Value>, value: &Value, path: &str, errors: &mut Vec<String>) {
    // Bounds in these CRDs are at most 2^32, which f64 represents exactly.
    let number = value.as_f64().expect("a JSON number");
    if let Some(min) = schema
        .get("minimum")
        .and_then(Value::as_f64)
        .filter(|min| number < *min)
    {
        errors.push(format!(
            "{}: {value} is less than the minimum {min}",
            shown(path)
        ));
    }
    if let Some(max) = schema
        .get("maximum")
        .and_then(Value::as_f64)
        .filter(|max| number > *max)
    {
        errors.push(format!(
            "{}: {value} is greater than the maximum {max}",
            shown(path)
        ));
    }
    let fits = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        Some("uint32") => value.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
        Some("int64") => value.as_i64().is_some(),
        _ => true,
    };
    if !fits {
        let format = &schema["format"];
        errors.push(format!(
            "{}: {value} does not fit format {format}",
            shown(path)
        ));
    }
}

/// Shared check for the min/max count keywords (items, properties, characters).
fn check_count(
    schema: &Map<String, Value>,
    min_key: &str,
    max_key: &str,
    count: usize,
    what: &str,
    path: &str,
    errors: &mut Vec<String>,
) {
    let bound = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    if let Some(min) = bound(min_key).filter(|min| count < *min) {
        errors.push(format!(
            "{}: has {count} {what}, {min_key} is {min}",
            shown(path)
        ));
    }
    if let Some(max) = bound(max_key).filter(|max| count > *max) {
        errors.push(format!(
            "{}: has {count} {what}, {max_key} is {max}",
            shown(path)
        ));
    }
}

/// allOf / anyOf / oneOf / not, with plain JSON Schema meaning.
fn check_junctors(
    schema: &Map<String, Value>,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    for sub in schema_list(schema, "allOf") {
        check_node(sub, value, path, Mode::ValueOnly, errors);
    }
    let any_of: Vec<&Value> = schema_list(schema, "anyOf").collect();
    if !any_of.is_empty() && !any_of.iter().any(|sub| passes(sub, value, path)) {
        errors.push(format!(
            "{}: matches none of the anyOf alternatives {}",
            shown(path),
            Value::from(any_of.into_iter().cloned().collect::<Vec<_>>())
        ));
    }
    let one_of: Vec<&Value> = schema_list(schema, "oneOf").collect();
    if !one_of.is_empty() {
        let matched = one_of.iter().filter(|sub| passes(sub, value, path)).count();
        if matched != 1 {
            errors.push(format!(
                "{}: {}",
                shown(path),
                one_of_problem(&one_of, matched, value)
            ));
        }
    }
    if let Some(not) = schema.get("not")
        && passes(not, value, path)
    {
        errors.push(format!("{}: must not match {not}", shown(path)));
    }
}

fn passes(schema: &Value, value: &Value, path: &str) -> bool {
    let mut scratch = Vec::new();
    check_node(schema, value, path, Mode::ValueOnly, &mut scratch);
    scratch.is_empty()
}

/// Explains a failed oneOf. Istio writes "at most one of these fields" as
/// `oneOf: [{not: {anyOf: [{required: [a]}, ...]}}, {required: [a]}, ...]`;
/// for that shape, name the fields instead of dumping the schema.
fn one_of_problem(alternatives: &[&Value], matched: usize, value: &Value) -> String {
    let single_required = |alt: &Value| -> Option<String> {
        let object = alt.as_object().filter(|o| o.len() == 1)?;
        match object.get("required")?.as_array()?.as_slice() {
            [Value::String(field)] => Some(field.clone()),
            _ => None,
        }
    };
    let fields: Vec<String> = alternatives
        .iter()
        .filter_map(|alt| single_required(alt))
        .collect();
    let others = alternatives.len() - fields.len();
    let allows_none = alternatives.iter().any(|alt| alt.get("not").is_some());
    if fields.is_empty() || others > usize::from(allows_none) {
        return format!(
            "matches {matched} of the {} oneOf alternatives, expected exactly one",
            alternatives.len()
        );
    }
    let set: Vec<&str> = fields
        .iter()
        .filter(|f| value.get(f.as_str()).is_some())
        .map(String::as_str)
        .collect();
    let fields = fields.join(", ");
    let rule = if allows_none {
        format!("at most one of {fields} may be set")
    } else {
        format!("exactly one of {fields} must be set")
    };
    let found = if set.is_empty() {
        "none".to_owned()
    } else {
        set.join(", ")
    };
    format!("{rule}, found {found}")
}

// ---------------------------------------------------------------------------
// metadata (ObjectMeta)
// ---------------------------------------------------------------------------

/// RFC 1123 subdomain: resource names and label-key prefixes.
const DNS_SUBDOMAIN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// CRD schemas say only `metadata: {type: object}` (or nothing); the API
/// server validates `ObjectMeta` itself. This is the subset a manifest sets.
fn object_meta_schema() -> Value {
    // RFC 1123 label: namespaces.
    let label = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    let label_value = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
    let string = json!({"type": "string"});
    let list_of_objects = json!({
        "type": "array",
        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
    });
    json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 253, "pattern": DNS_SUBDOMAIN},
            "namespace": {"type": "string", "maxLength": 63, "pattern": label},
            "labels": {
                "type": "object",
                "additionalProperties": {"type": "string", "maxLength": 63, "pattern": label_value},
            },
            "annotations": {"type": "object", "additionalProperties": string},
            "generateName": string,
            "uid": string,
            "resourceVersion": string,
            "generation": {"type": "integer", "format": "int64"},
            "creationTimestamp": {"type": "string", "nullable": true},
            "finalizers": {"type": "array", "items": string},
            "managedFields": list_of_objects,
            "ownerReferences": list_of_objects,
        }
    })
}

fn check_metadata(metadata: Option<&Value>, errors: &mut Vec<String>) {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    let Some(metadata) = metadata else {
        errors.push("metadata: missing".to_owned());
        return;
    };
    check_node(
        SCHEMA.get_or_init(object_meta_schema),
        metadata,
        "metadata",
        Mode::Structural,
        errors,
    );
    // Map keys cannot be described by the schema above.
    for map in ["labels", "annotations"] {
        let keys = metadata
            .get(map)
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(Map::keys);
        for key in keys {
            if let Err(problem) = check_qualified_name(key) {
                errors.push(format!("metadata.{map}: key {key:?} {problem}"));
            }
        }
    }
}

/// Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain.
fn check_qualified_name(key: &str) -> Result<(), &'static str> {
    static NAME: OnceLock<Regex> = OnceLock::new();
    static PREFIX: OnceLock<Regex> = OnceLock::new();
    let name_re = NAME.get_or_init(|| {
        Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").expect("valid regex")
    });
    let prefix_re = PREFIX.get_or_init(|| Regex::new(DNS_SUBDOMAIN).expect("valid regex"));
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && (prefix.len() > 253 || !prefix_re.is_match(prefix))
    {
        return Err("has a prefix that is not a DNS subdomain");
    }
    if name.len() > 63 || !name_re.is_match(name) {
        return Err("is not a qualified name (alphanumerics, '-', '_', '.', at most 63)");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ServiceEntry CEL rules, by hand
// ---------------------------------------------------------------------------

/// The `ServiceEntry` `x-kubernetes-validations` listed in the module header,
/// written out in Rust with the CRD's messages. They run on every served
/// version (v1, v1beta1 and v1alpha3 carry the same rules).
fn check_service_entry_rules(spec: &Map<String, Value>, errors: &mut Vec<String>) {
    let has = |field: &str| spec.get(field).is_some_and(|v| !v.is_null());
    let list = |field: &str| {
        spec.get(field)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    };
    // CEL reads an unset resolution as NONE.
    let resolution = spec
        .get("resolution")
        .and_then(Value::as_str)
        .unwrap_or("NONE");

    if has("workloadSelector") && has("endpoints") {
        errors.push("spec: only one of WorkloadSelector or Endpoints can be set".to_owned());
    }
    let cidr = list("addresses")
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.contains('/'));
    if let Some(cidr) = cidr.filter(|_| !matches!(resolution, "NONE" | "STATIC")) {
        errors.push(format!(
            "spec: CIDR addresses are allowed only for NONE/STATIC resolution types \
             (address {cidr}, resolution {resolution})"
        ));
    }
    if resolution == "NONE" && has("endpoints") {
        errors.push("spec: NONE mode cannot set endpoints".to_owned());
    }
    if resolution == "DNS_ROUND_ROBIN" && list("endpoints").len() > 1 {
        errors.push("spec: DNS_ROUND_ROBIN mode cannot have multiple endpoints".to_owned());
    }
    for (index, host) in list("hosts").iter().enumerate() {
        if host == "*" {
            errors.push(format!("spec.hosts[{index}]: hostname cannot be wildcard"));
        }
    }
    check_service_entry_ports(list("ports"), errors);
    for (index, endpoint) in list("endpoints").iter().enumerate() {
        check_service_entry_endpoint(endpoint, &format!("spec.endpoints[{index}]"), errors);
    }
    let selector_labels = spec
        .get("workloadSelector")
        .and_then(|s| s.get("labels"))
        .and_then(Value::as_object);
    for (key, value) in selector_labels.into_iter().flatten() {
        if value.as_str().is_some_and(|v| v.contains('*')) {
            errors.push(format!(
                "{}: wildcard is not supported in selector",
                join_key("spec.workloadSelector.labels", key)
            ));
        }
    }
}

fn check_service_entry_ports(ports: &[Value], errors: &mut Vec<String>) {
    let mut first_use: BTreeMap<String, usize> = BTreeMap::new();
    for (index, port) in ports.iter().enumerate() {
        let path = format!("spec.ports[{index}]");
        for field in ["number", "targetPort"] {
            check_port_range(port.get(field), &format!("{path}.{field}"), errors);
        }
        let Some(number) = port.get("number").filter(|n| n.is_number()) else {
            continue;
        };
        if let Some(first) = first_use.get(&number.to_string()) {
            errors.push(format!(
                "spec.ports: port number cannot be duplicated \
                 ({number} in ports[{first}] and ports[{index}])"
            ));
        } else {
            first_use.insert(number.to_string(), index);
        }
    }
}

fn check_service_entry_endpoint(endpoint: &Value, path: &str, errors: &mut Vec<String>) {
    static PORT_NAME: OnceLock<Regex> = OnceLock::new();
    let Some(endpoint) = endpoint.as_object() else {
        return;
    };
    if !endpoint.contains_key("address") && !endpoint.contains_key("network") {
        errors.push(format!("{path}: Address is required"));
    }
    let port_name = PORT_NAME.get_or_init(|| {
        Regex::new(r"^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$").expect("valid regex")
    });
    let ports = endpoint.get("ports").and_then(Value::as_object);
    for (name, number) in ports.into_iter().flatten() {
        let port_path = join_key(&format!("{path}.ports"), name);
        if name.chars().count() >= 63 || !port_name.is_match(name) {
            errors.push(format!("{port_path}: port name must be valid"));
        }
        check_port_range(Some(number), &port_path, errors);
    }
}

/// "port must be between 1-65535"; type errors are reported by the schema walk.
fn check_port_range(port: Option<&Value>, path: &str, errors: &mut Vec<String>) {
    let out_of_range = port
        .and_then(Value::as_u64)
        .filter(|n| !(1..=65535).contains(n));
    if let Some(number) = out_of_range {
        errors.push(format!(
            "{path}: port must be between 1-65535 (got {number})"
        ));
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn flag(schema: &Map<String, Value>, key: &str) -> bool {
    schema.get(key) == Some(&Value::Bool(true))
}

fn string_list<'a>(schema: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a str> {
    schema
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn schema_list<'a>(schema: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    schema
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// JSON integers only: Kubernetes rejects `80.0` where an integer is expected.
fn is_integer(value: &Value) -> bool {
    value.as_i64().is_some() || value.as_u64().is_some()
}

/// `format: byte` is standard, padded base64.
fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len().is_multiple_of(4)
        && text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// `spec.hosts` for plain keys, `metadata.labels["app.kubernetes.io/name"]` otherwise.
fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{key:?}]"),
    }
}

/// The root of the resource has an empty path; say so in messages.
fn shown(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

/// A short description of a value for "expected X, got Y" messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if is_integer(value) => format!("integer {n}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}
