//! Renders compiled resources as YAML documents, and arranges documents into an output
//! layout: one stream, or files in a directory ([`layout`]).
//!
//! Rendering decides text and file names only; it never touches the file system (that is
//! [`crate::emit`]'s job) and never changes what a resource says. Resources whose kind has
//! no template override are written here by the native writer ([`yaml`]); overridden and
//! extra templates are rendered by [`crate::templates`] into the same [`Document`] value.

pub mod layout;
pub mod yaml;

use crate::compile::Compiled;
use crate::istio::Resource;

/// A file to write: its path inside the output directory (`/`-separated) and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedFile {
    pub name: String,
    pub contents: String,
}

/// Who wrote a document's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// egressc's own writer (identical to the built-in template of the kind).
    Builtin,
    /// A template of `--templates DIR`: its path as given on the command line.
    Template(String),
}

/// One document of the output, as `build` writes it and `diff` compares it.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The policy host it was rendered for; `None` for mesh-wide and per-policy documents.
    pub host: Option<String>,
    pub origin: Origin,
    pub value: serde_json::Value,
    /// The YAML text: one document, no leading `---`, ending in a newline.
    pub yaml: String,
}

impl Document {
    /// A document from a JSON object, written by the native writer.
    pub fn from_value(value: serde_json::Value, host: Option<String>, origin: Origin) -> Document {
        let mut yaml = String::new();
        yaml::write_document(&mut yaml, &value);
        let text = |pointer: &str| value.pointer(pointer).and_then(|v| v.as_str());
        let kind = text("/kind")
            .unwrap_or(crate::istio::HELM_VALUES_KIND)
            .to_owned();
        let namespace = text("/metadata/namespace").map(str::to_owned);
        let name = text("/metadata/name")
            .unwrap_or(ISTIOD_VALUES_NAME)
            .to_owned();
        Document {
            kind,
            namespace,
            name,
            host,
            origin,
            value,
            yaml,
        }
    }

    /// Whether the document is a cluster resource for `kubectl apply`: the IstioOperator is
    /// input to `istioctl install` and chart values to `helm install`.
    pub fn is_cluster_resource(&self) -> bool {
        !matches!(
            self.kind.as_str(),
            "IstioOperator" | crate::istio::HELM_VALUES_KIND
        )
    }
}

/// A document with what the guard needs to point at its causes.
pub struct Rendered {
    pub document: Document,
    /// The policy declarations it came from.
    pub origin: Vec<crate::source::Span>,
    /// The first line of the template that wrote it, when a template did.
    pub template: Option<crate::source::Span>,
}

/// Every compiled resource written natively, with its origin: the output without templates.
///
/// Resources are written on every core: for thousands of hosts, turning each into JSON and
/// YAML text is a large part of a build.
pub fn natively(compiled: &[Compiled]) -> Vec<Rendered> {
    crate::parallel::map(compiled, |item| Rendered {
        document: native(item),
        origin: item.origin.clone(),
        template: None,
    })
}

/// The name chart values are listed under (they have no `metadata.name`).
pub const ISTIOD_VALUES_NAME: &str = "istiod-values";

pub fn to_json(resource: &Resource) -> serde_json::Value {
    serde_json::to_value(resource).expect("resources serialize to JSON")
}

pub fn native(compiled: &Compiled) -> Document {
    Document::from_value(
        to_json(&compiled.resource),
        compiled.host.clone(),
        Origin::Builtin,
    )
}
