//! The variables a template sees, built from the policy model and the compiled resources.
//! Every key is always present (`null`, `[]` or `{}` when empty), because undefined
//! variables are errors: a template can test `{% if host.servedBy %}` without guessing.
//! docs/templates.md lists every variable; keep the two in step.
//!
//! What every template shares (`hosts`, `mesh`, `istio`) is converted to minijinja values
//! once: they are reference-counted, so a context costs the same with 10 hosts or 10,000.

use std::collections::HashMap;

use minijinja::value::Serde;
use serde_json::{Value, json};

type Jinja = minijinja::Value;

fn jinja(value: &Value) -> Jinja {
    Jinja::from(Serde(value))
}

use crate::compile::Compiled;
use crate::compile::names::host_slugs;
use crate::policy::{Host, Policy};
use crate::render::to_json;
use crate::target::IstioVersion;

/// What every template of one build shares.
pub struct Shared {
    mesh: Jinja,
    hosts: Jinja,
    host_values: Vec<(Jinja, Jinja, Jinja)>,
    istio: Jinja,
    mesh_metadata: (Jinja, Jinja),
    by_name: HashMap<String, usize>,
}

impl Shared {
    pub fn new(policy: &Policy, istio: IstioVersion) -> Shared {
        let slugs = host_slugs(&policy.hosts);
        let mut mesh = serde_json::to_value(&policy.mesh).expect("the model serializes");
        mesh["egressGateway"]["service"] = json!(policy.mesh.egress_gateway.service_host());
        // The model leaves an empty list out; templates see every key (undefined is an error).
        if mesh.get("registryOnlyNamespaces").is_none() {
            mesh["registryOnlyNamespaces"] = json!([]);
        }
        let hosts: Vec<Value> = policy
            .hosts
            .iter()
            .zip(&slugs)
            .map(|(host, slug)| host_value(host, slug))
            .collect();
        let host_values = hosts
            .iter()
            .map(|host| {
                let metadata = &host["metadata"];
                (
                    jinja(host),
                    jinja(&metadata["labels"]),
                    jinja(&metadata["annotations"]),
                )
            })
            .collect();
        let mesh_metadata = &policy.mesh.metadata;
        let mesh_metadata = serde_json::to_value(mesh_metadata).expect("the model serializes");
        Shared {
            mesh: jinja(&mesh),
            hosts: jinja(&Value::Array(hosts)),
            host_values,
            istio: jinja(&json!({
                "version": istio.to_string(),
                "networkingApi": istio.networking_api(),
            })),
            mesh_metadata: (
                jinja(&mesh_metadata["labels"]),
                jinja(&mesh_metadata["annotations"]),
            ),
            by_name: (policy.hosts.iter().enumerate())
                .map(|(index, host)| (host.name.value.clone(), index))
                .collect(),
        }
    }

    fn host(&self, name: Option<&str>) -> Option<&(Jinja, Jinja, Jinja)> {
        self.by_name
            .get(name?)
            .map(|&index| &self.host_values[index])
    }

    /// The context of a kind template: one compiled resource.
    pub fn for_resource(&self, item: &Compiled) -> Jinja {
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
        context.push(("kind", Jinja::from(item.resource.kind())));
        context.push(("metadata", jinja(&metadata)));
        context.push(("resource", jinja(&resource)));
        Jinja::from(
            context
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
    }

    /// The context of a `host-*` template: the host and the resources compiled for it.
    pub fn for_host(&self, host: &str, compiled: &[&Compiled]) -> Jinja {
        let mut context = self.common(Some(host));
        let resources: Vec<Value> = compiled.iter().map(|c| to_json(&c.resource)).collect();
        context.push(("resources", jinja(&Value::Array(resources))));
        Jinja::from(
            context
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
    }

    /// The context of a `policy-*` template: every host and every resource.
    pub fn for_policy(&self, compiled: &[Compiled]) -> Jinja {
        let mut context = self.common(None);
        let resources: Vec<Value> = compiled.iter().map(|c| to_json(&c.resource)).collect();
        context.push(("resources", jinja(&Value::Array(resources))));
        Jinja::from(
            context
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
    }

    /// `host` (or `null`), `hosts`, `mesh`, `istio`, and the labels and annotations of the
    /// host, or of the mesh for mesh-wide and per-policy templates.
    fn common(&self, host: Option<&str>) -> Vec<(&'static str, Jinja)> {
        let (host, labels, annotations) = match self.host(host) {
            Some((host, labels, annotations)) => {
                (host.clone(), labels.clone(), annotations.clone())
            }
            None => (
                Jinja::from(()),
                self.mesh_metadata.0.clone(),
                self.mesh_metadata.1.clone(),
            ),
        };
        vec![
            ("host", host),
            ("hosts", self.hosts.clone()),
            ("mesh", self.mesh.clone()),
            ("istio", self.istio.clone()),
            ("labels", labels),
            ("annotations", annotations),
        ]
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
