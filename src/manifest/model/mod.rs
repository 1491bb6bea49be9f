//! The fields of Istio and Kubernetes resources that the rules read, modelled leniently.
//!
//! These types are for *reading* manifests anyone wrote, so every field is optional and
//! unknown fields are ignored. Istio reads its resources through protobuf JSON, which accepts
//! the original snake_case field names beside the camelCase ones (`export_to`,
//! `port_level_settings`); old manifests use them, so both spellings are read here.
//! The types egressc *writes* live in [`crate::istio`]: they are strict and minimal, and a
//! change to them never loosens what `check` accepts.

mod compact;
mod gateway_api;
mod kubernetes;
mod mesh_config;
mod networking;
mod security;

pub use compact::{Labels, List, Text};
pub use gateway_api::*;
pub use kubernetes::*;
pub use mesh_config::*;
pub use networking::*;
pub use security::*;

use serde::Deserialize;

/// A Kubernetes port that may be a number or a named port (`targetPort: http`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(u32),
    String(Text),
}

impl IntOrString {
    pub fn number(&self) -> Option<u32> {
        match self {
            IntOrString::Int(n) => Some(*n),
            IntOrString::String(s) => s.parse().ok(),
        }
    }
}

/// The metadata the rules read: which resource it is. Labels are not kept: no rule reads a
/// resource's own labels, and a label map is the largest part of a small resource.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default)]
    pub namespace: Option<Text>,
}

/// `status` as the API server fills it in; only the addresses Istio allocates are read.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub addresses: List<StatusAddress>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct StatusAddress {
    #[serde(default)]
    pub value: Option<Text>,
}
