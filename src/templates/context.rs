//! The variables a template sees, built from the policy model and the compiled resources.
//! Every key is always present (`null`, `[]` or `{}` when empty), because undefined
//! variables are errors: a template can test `{% if host.servedBy %}` without guessing.
//! docs/templates.md lists every variable; keep the two in step.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::compile::Compiled;
use crate::compile::names::HostSlugs;
use crate::policy::{Host, Metadata, Policy};
use crate::render::to_json;
use crate::target::IstioVersion;

/// What every template of one build shares.
pub struct Shared {
    pub mesh: Value,
    pub hosts: Vec<Value>,
    pub istio: Value,
    mesh_metadata: (Value, Value),
    by_name: HashMap<String, usize>,
}

impl Shared {
    pub fn new(policy: &Policy, istio: IstioVersion) -> Shared {
        let slugs = HostSlugs::new(&policy.hosts);
        let mut mesh = serde_json::to_value(&policy.mesh).expect("the model serializes");
        mesh["egressGateway"]["service"] = json!(policy.mesh.egress_gateway.service_host());
        let hosts = policy
            .hosts
            .iter()
            .map(|host| host_value(host, slugs.get(&host.name.value)))
            .collect();
        Shared {
            mesh,
            hosts,
            istio: json!({
                "version": istio.to_string(),
                "networkingApi": istio.networking_api(),
            }),
            mesh_metadata: metadata_value(&policy.mesh.metadata),
            by_name: (policy.hosts.iter().enumerate())
                .map(|(index, host)| (host.name.value.clone(), index))
                .collect(),
        }
    }

    fn host(&self, name: Option<&str>) -> Option<&Value> {
        self.by_name.get(name?).map(|&index| &self.hosts[index])
    }

    /// The context of a kind template: one compiled resource.
    pub fn for_resource(&self, item: &Compiled) -> Value {
        let resource = to_json(&item.resource);
        let mut metadata = resource
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| json!({"name": crate::render::ISTIOD_VALUES_NAME}));
        for (key, empty) in [
            ("namespace", Value::Null),
            ("labels", json!({})),
            ("annotations", json!({})),
        ] {
            if metadata.get(key).is_none() {
                metadata[key] = empty;
            }
        }
        let mut context = self.common(item.host.as_deref());
        context.insert("kind".to_owned(), json!(item.resource.kind()));
        context.insert("metadata".to_owned(), metadata);
        context.insert("resource".to_owned(), resource);
        Value::Object(context)
    }

    /// The context of a `host-*` template: the host and the resources compiled for it.
    pub fn for_host(&self, host: &str, compiled: &[&Compiled]) -> Value {
        let mut context = self.common(Some(host));
        let resources: Vec<Value> = compiled.iter().map(|c| to_json(&c.resource)).collect();
        context.insert("resources".to_owned(), Value::Array(resources));
        Value::Object(context)
    }

    /// The context of a `policy-*` template: every host and every resource.
    pub fn for_policy(&self, compiled: &[Compiled]) -> Value {
        let mut context = self.common(None);
        let resources: Vec<Value> = compiled.iter().map(|c| to_json(&c.resource)).collect();
        context.insert("resources".to_owned(), Value::Array(resources));
        Value::Object(context)
    }

    /// `host` (or `null`), `hosts`, `mesh`, `istio`, and the labels and annotations of the
    /// host, or of the mesh for mesh-wide and per-policy templates.
    fn common(&self, host: Option<&str>) -> Map<String, Value> {
        let host = self.host(host);
        let (labels, annotations) = match host {
            Some(host) => (
                host["metadata"]["labels"].clone(),
                host["metadata"]["annotations"].clone(),
            ),
            None => self.mesh_metadata.clone(),
        };
        let mut context = Map::new();
        context.insert("host".to_owned(), host.cloned().unwrap_or(Value::Null));
        context.insert("hosts".to_owned(), Value::Array(self.hosts.clone()));
        context.insert("mesh".to_owned(), self.mesh.clone());
        context.insert("istio".to_owned(), self.istio.clone());
        context.insert("labels".to_owned(), labels);
        context.insert("annotations".to_owned(), annotations);
        context
    }
}

/// A host as the policy model writes it, plus `slug` and `upstream`, with every optional
/// key present.
fn host_value(host: &Host, slug: &str) -> Value {
    let mut value = serde_json::to_value(host).expect("the model serializes");
    value["slug"] = json!(slug);
    value["upstream"] = json!(
        host.served_by
            .as_ref()
            .map_or(&host.name.value, |s| &s.value)
    );
    value["wildcard"] = json!(host.is_wildcard());
    if value.get("servedBy").is_none() {
        value["servedBy"] = Value::Null;
    }
    if let Some(ports) = value["ports"].as_array_mut() {
        for port in ports {
            if port.get("originateTls").is_none() {
                port["originateTls"] = Value::Null;
            }
        }
    }
    value
}

fn metadata_value(metadata: &Metadata) -> (Value, Value) {
    let value = serde_json::to_value(metadata).expect("the model serializes");
    (value["labels"].clone(), value["annotations"].clone())
}
