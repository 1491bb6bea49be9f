//! The other two forms of mesh-wide settings: the `istio` ConfigMap that istiod reads its
//! MeshConfig from (under the `mesh` key, as YAML text), and the values of the `istiod` Helm
//! chart (`meshConfig:`), which are input to `helm install -f`, not a cluster resource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MeshConfig, ObjectMeta, TypeMeta};

/// A Kubernetes ConfigMap: no spec, string data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigMap {
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    pub metadata: ObjectMeta,
    pub data: BTreeMap<String, String>,
}

/// Values for the `istiod` chart (`helm install istiod istio/istiod -f values.yaml`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IstiodValues {
    pub mesh_config: MeshConfig,
}
