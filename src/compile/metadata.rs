//! Metadata and visibility (`exportTo`) shared by every generated resource.

use std::collections::BTreeMap;

use crate::istio::ObjectMeta;
use crate::policy::{Host, MANAGED_BY, Metadata};

pub fn object_meta(name: String, namespace: &str, metadata: &Metadata) -> ObjectMeta {
    let mut labels: BTreeMap<String, String> = metadata
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    labels.insert(MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned());
    ObjectMeta {
        name,
        namespace: Some(namespace.to_owned()),
        labels,
        annotations: metadata
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
    }
}

/// The namespaces whose sidecars route to the host: the listed ones, or every namespace.
///
/// Written out even when open (`*`), so a mesh whose default `exportTo` is `.` does not
/// silently hide the entries from every client.
pub fn clients(host: &Host) -> Vec<String> {
    if host.namespaces.is_empty() {
        return vec!["*".to_owned()];
    }
    host.namespaces.iter().map(|n| n.value.clone()).collect()
}

/// The clients plus the gateway's namespace: the gateway proxy also reads the ServiceEntry
/// and the VirtualService, and a resource not exported to it is invisible to it.
pub fn clients_and_gateway(host: &Host, gateway_namespace: &str) -> Vec<String> {
    let mut namespaces = clients(host);
    if namespaces != ["*"] && !namespaces.iter().any(|n| n == gateway_namespace) {
        namespaces.push(gateway_namespace.to_owned());
        namespaces.sort();
    }
    namespaces
}
