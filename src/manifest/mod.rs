//! Manifests: Istio and Kubernetes resources as the rules see them, whoever wrote them.
//!
//! `check` reads them from YAML ([`read`]); `build` converts its own compiled resources
//! ([`from_json`]), so one set of rules judges both. Only the kinds the rules reason about
//! are kept ([`KnownKind`]); any other kind is skipped, because a manifest directory
//! legitimately holds Deployments, Kustomizations and Gateway API resources beside Istio's.

pub mod model;
pub mod objects;
pub mod read;
pub mod stream;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use model::*;

/// The kinds the rules read, identified by API group and kind (any served version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KnownKind {
    ServiceEntry,
    Gateway,
    VirtualService,
    DestinationRule,
    Sidecar,
    AuthorizationPolicy,
    NetworkPolicy,
    Service,
    IstioOperator,
    ConfigMap,
    HttpRoute,
}

impl KnownKind {
    /// Recognises a kind by `apiVersion` and `kind`. Versions do not matter: Istio serves
    /// `v1`, `v1beta1` and `v1alpha3` of one resource, and the rules read fields common to
    /// all of them. Kubernetes Gateway API kinds share names with Istio's (`Gateway`), so
    /// the group decides.
    pub fn recognise(api_version: &str, kind: &str) -> Option<KnownKind> {
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        Some(match (group, kind) {
            ("networking.istio.io", "ServiceEntry") => KnownKind::ServiceEntry,
            ("networking.istio.io", "Gateway") => KnownKind::Gateway,
            ("networking.istio.io", "VirtualService") => KnownKind::VirtualService,
            ("networking.istio.io", "DestinationRule") => KnownKind::DestinationRule,
            ("networking.istio.io", "Sidecar") => KnownKind::Sidecar,
            ("security.istio.io", "AuthorizationPolicy") => KnownKind::AuthorizationPolicy,
            ("networking.k8s.io", "NetworkPolicy") => KnownKind::NetworkPolicy,
            ("", "Service") => KnownKind::Service,
            ("", "ConfigMap") => KnownKind::ConfigMap,
            ("install.istio.io", "IstioOperator") => KnownKind::IstioOperator,
            ("gateway.networking.k8s.io", "HTTPRoute") => KnownKind::HttpRoute,
            _ => return None,
        })
    }
}

/// Which resource a finding is about, as `kubectl` names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    #[schemars(with = "String")]
    pub api_version: Text,
    #[schemars(with = "String")]
    pub kind: Text,
    /// `null` when the manifest gives none (it then lands in the namespace it is applied to).
    #[schemars(with = "Option<String>")]
    pub namespace: Option<Text>,
    #[schemars(with = "String")]
    pub name: Text,
}

impl std::fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One resource of a known kind.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub id: ResourceRef,
    pub spec: Spec,
    pub status: Status,
}

impl Manifest {
    pub fn kind(&self) -> KnownKind {
        self.spec.kind()
    }
}

/// The typed spec of a known kind. Mesh config arrives as an IstioOperator overlay or the
/// `istio` ConfigMap; both are read into the one [`MeshConfig`].
///
/// Every spec is boxed: the kinds differ in size by hundreds of bytes, and inline the
/// smallest (a Gateway) would take the room of the largest.
#[derive(Clone, Debug)]
pub enum Spec {
    ServiceEntry(Box<ServiceEntry>),
    Gateway(Box<Gateway>),
    VirtualService(Box<VirtualService>),
    DestinationRule(Box<DestinationRule>),
    Sidecar(Box<Sidecar>),
    AuthorizationPolicy(Box<AuthorizationPolicy>),
    NetworkPolicy(Box<NetworkPolicy>),
    Service(Box<Service>),
    HttpRoute(Box<HttpRouteSpec>),
    /// `IstioOperator` or the `istio` ConfigMap; `None` when it sets no mesh config.
    MeshConfig(KnownKind, Option<Box<MeshConfig>>),
    /// A ConfigMap other than Istio's mesh config.
    OtherConfigMap,
}

impl Spec {
    pub fn kind(&self) -> KnownKind {
        match self {
            Spec::ServiceEntry(_) => KnownKind::ServiceEntry,
            Spec::Gateway(_) => KnownKind::Gateway,
            Spec::VirtualService(_) => KnownKind::VirtualService,
            Spec::DestinationRule(_) => KnownKind::DestinationRule,
            Spec::Sidecar(_) => KnownKind::Sidecar,
            Spec::AuthorizationPolicy(_) => KnownKind::AuthorizationPolicy,
            Spec::NetworkPolicy(_) => KnownKind::NetworkPolicy,
            Spec::Service(_) => KnownKind::Service,
            Spec::HttpRoute(_) => KnownKind::HttpRoute,
            Spec::MeshConfig(kind, _) => *kind,
            Spec::OtherConfigMap => KnownKind::ConfigMap,
        }
    }
}

/// A field that could not be read and was left out; the rest of the resource is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredField {
    /// Where the field is, as a path: `spec.ports[0].number`.
    pub path: String,
    pub reason: String,
    /// The file line of the field, when the YAML parser reported it.
    pub line: Option<usize>,
}

/// Converts a JSON object (what `build` compiles, what templates render) into a manifest.
/// `Ok(None)` for kinds the rules do not read.
pub fn from_json(value: &serde_json::Value) -> Result<Option<Manifest>, serde_json::Error> {
    let api_version = value["apiVersion"].as_str().unwrap_or_default();
    let kind = value["kind"].as_str().unwrap_or_default();
    let Some(known) = KnownKind::recognise(api_version, kind) else {
        return Ok(None);
    };
    let object = RawObject::<serde_json::Value>::deserialize(value)?;
    let spec = match &object.spec {
        Some(spec) => deserialize_spec(known, spec, &object)?,
        None => deserialize_spec(known, &serde_json::Value::Null, &object)?,
    };
    Ok(Some(object.into_manifest(api_version, kind, spec)))
}

/// The envelope of a resource, with its spec still untyped.
#[derive(Deserialize)]
pub(crate) struct RawObject<S> {
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Option<S>,
    #[serde(default)]
    pub status: Option<Status>,
    /// A ConfigMap's data; the `istio` ConfigMap keeps MeshConfig under `mesh`.
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

impl<S> RawObject<S> {
    pub(crate) fn into_manifest(self, api_version: &str, kind: &str, spec: Spec) -> Manifest {
        Manifest {
            id: ResourceRef {
                api_version: api_version.into(),
                kind: kind.into(),
                namespace: self.metadata.namespace,
                name: self.metadata.name.unwrap_or_default(),
            },
            spec,
            status: self.status.unwrap_or_default(),
        }
    }
}

/// Deserializes the spec of a known kind. An absent spec (`null`) reads as an empty one.
/// A ConfigMap has no spec: it is Istio's mesh config when it is named `istio` (or
/// `istio-<revision>`) and has a `mesh` key, which holds MeshConfig as a YAML string.
pub(crate) fn deserialize_spec<'de, D, S>(
    known: KnownKind,
    spec: D,
    object: &RawObject<S>,
) -> Result<Spec, D::Error>
where
    D: serde::Deserializer<'de>,
{
    fn read<'de, T: Deserialize<'de> + Default, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Box<T>, D::Error> {
        Ok(Box::new(Option::<T>::deserialize(d)?.unwrap_or_default()))
    }
    Ok(match known {
        KnownKind::ServiceEntry => Spec::ServiceEntry(read(spec)?),
        KnownKind::Gateway => Spec::Gateway(read(spec)?),
        KnownKind::VirtualService => Spec::VirtualService(read(spec)?),
        KnownKind::DestinationRule => Spec::DestinationRule(read(spec)?),
        KnownKind::Sidecar => Spec::Sidecar(read(spec)?),
        KnownKind::AuthorizationPolicy => Spec::AuthorizationPolicy(read(spec)?),
        KnownKind::NetworkPolicy => Spec::NetworkPolicy(read(spec)?),
        KnownKind::Service => Spec::Service(read(spec)?),
        KnownKind::HttpRoute => Spec::HttpRoute(read(spec)?),
        KnownKind::IstioOperator => {
            let operator: Box<IstioOperator> = read(spec)?;
            Spec::MeshConfig(KnownKind::IstioOperator, operator.mesh_config.map(Box::new))
        }
        KnownKind::ConfigMap => {
            let name = object.metadata.name.as_deref().unwrap_or_default();
            let is_istio = name == "istio" || name.starts_with("istio-");
            match object.data.get("mesh") {
                Some(mesh) if is_istio => {
                    let mesh = serde_yaml::from_str::<Option<MeshConfig>>(mesh)
                        .map_err(|e| serde::de::Error::custom(format!("data.mesh: {e}")))?;
                    Spec::MeshConfig(KnownKind::ConfigMap, mesh.map(Box::new))
                }
                _ => Spec::OtherConfigMap,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{Manifest, ResourceRef, Spec};

    /// `check` holds every resource of its input at once (36,000 of them at 10,000 hosts), so
    /// the size of one is the memory of a big check: four strings that hold short values
    /// inline, a boxed spec and an exact list.
    #[test]
    fn a_manifest_is_small_whatever_its_kind() {
        assert_eq!(size_of::<ResourceRef>(), 96);
        assert_eq!(size_of::<Spec>(), 16);
        assert_eq!(size_of::<Manifest>(), 128);
    }
}
