//! gateway.networking.k8s.io: the `HTTPRoute` of Istio's Gateway API egress recipes.

use serde::Deserialize;

use super::{List, Text};

/// A Gateway API `HTTPRoute`: only where it sends plain HTTP is read (Istio's Gateway API
/// egress recipes route to a ServiceEntry host with a `Hostname` backend).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HttpRouteSpec {
    #[serde(default)]
    pub rules: List<HttpRouteRule>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    #[serde(default)]
    pub backend_refs: List<BackendRef>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct BackendRef {
    #[serde(default)]
    pub group: Option<Text>,
    #[serde(default)]
    pub kind: Option<Text>,
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub namespace: Option<Text>,
    #[serde(default)]
    pub port: Option<u32>,
}

impl BackendRef {
    /// The host this backend sends to: a `Hostname` backend names it; a Service backend
    /// (the default kind) is the Service's cluster name.
    pub fn host(&self, route_namespace: &str) -> Option<String> {
        match (
            self.group.as_deref().unwrap_or(""),
            self.kind.as_deref().unwrap_or("Service"),
        ) {
            ("networking.istio.io", "Hostname") => Some(self.name.to_string()),
            ("", "Service") => Some(format!(
                "{}.{}.svc.cluster.local",
                self.name,
                self.namespace.as_deref().unwrap_or(route_namespace)
            )),
            _ => None,
        }
    }
}
