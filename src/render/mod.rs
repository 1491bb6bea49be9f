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
    /// Empty for chart values, which are not a Kubernetes object.
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The policy host it was rendered for; `None` for mesh-wide and per-policy documents.
    pub host: Option<String>,
    pub origin: Origin,
    pub content: Content,
    /// The YAML text: one document, no leading `---`, ending in a newline.
    pub yaml: String,
}

/// What a document says, in the form its writer holds it. A natively written document keeps
/// its typed resource: a JSON value of every resource of a big build would cost more memory
/// than the text, and only `diff` needs one ([`Document::value`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// A compiled resource, written by the native writer.
    Resource(Box<Resource>),
    /// A template's output, read back as a JSON value.
    Value(serde_json::Value),
    /// Let go of once judged, by a caller that needs only the text ([`Document::release`]).
    Released,
}

impl Document {
    /// A document from a JSON object, written by the native writer.
    pub fn from_value(value: serde_json::Value, host: Option<String>, origin: Origin) -> Document {
        let mut yaml = String::new();
        yaml::write_document(&mut yaml, &value);
        let text = |pointer: &str| value.pointer(pointer).and_then(|v| v.as_str());
        let api_version = text("/apiVersion").unwrap_or_default().to_owned();
        let kind = text("/kind")
            .unwrap_or(crate::istio::HELM_VALUES_KIND)
            .to_owned();
        let namespace = text("/metadata/namespace").map(str::to_owned);
        let name = text("/metadata/name")
            .unwrap_or(ISTIOD_VALUES_NAME)
            .to_owned();
        Document {
            api_version,
            kind,
            namespace,
            name,
            host,
            origin,
            content: Content::Value(value),
            yaml,
        }
    }

    /// A compiled resource written by the native writer, straight from its typed form.
    pub fn from_resource(resource: Resource, host: Option<String>) -> Document {
        let yaml = WRITING.with_borrow_mut(|text| {
            text.clear();
            if yaml::write_serialize(text, &resource).is_err() {
                // Every resource has a JSON form; a shape the direct writer does not handle
                // is written through it instead, to the same text.
                text.clear();
                yaml::write_document(text, &to_json(&resource));
            }
            // Kept at its length: the text of every document of a big build is held until
            // the rules have judged them, and a string grown by doubling is up to twice that.
            text.as_str().to_owned()
        });
        let metadata = resource.metadata();
        Document {
            api_version: resource
                .type_meta()
                .map_or_else(String::new, |t| t.api_version.clone()),
            kind: resource.kind().to_owned(),
            namespace: metadata.and_then(|m| m.namespace.clone()),
            name: metadata.map_or(ISTIOD_VALUES_NAME, |m| &m.name).to_owned(),
            host,
            origin: Origin::Builtin,
            content: Content::Resource(Box::new(resource)),
            yaml,
        }
    }

    /// The document as a JSON value.
    pub fn value(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        match &self.content {
            Content::Resource(resource) => std::borrow::Cow::Owned(to_json(resource)),
            Content::Value(value) => std::borrow::Cow::Borrowed(value),
            // The text is what was written: reading it back gives the same value.
            Content::Released => std::borrow::Cow::Owned(
                serde_yaml::from_str(&self.yaml).expect("egressc reads back what it writes"),
            ),
        }
    }

    /// Lets go of the typed resource or value, keeping the text (and [`Document::value`],
    /// which reads it back).
    pub fn release(&mut self) {
        self.content = Content::Released;
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

impl Rendered {
    /// A compiled resource written by the native writer, with its origin.
    pub fn natively(compiled: Compiled) -> Rendered {
        Rendered {
            document: Document::from_resource(compiled.resource, compiled.host),
            origin: compiled.origin,
            template: None,
        }
    }
}

thread_local! {
    /// The text being written, on each thread: grown once to the largest document rather
    /// than for every document.
    static WRITING: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Every compiled resource written natively, with its origin: the output without templates.
///
/// Resources are written on every core: for thousands of hosts, turning each into YAML text
/// is a large part of a build.
pub fn natively(compiled: Vec<Compiled>) -> Vec<Rendered> {
    crate::parallel::map_owned(compiled, Rendered::natively)
}

/// The name chart values are listed under (they have no `metadata.name`).
pub const ISTIOD_VALUES_NAME: &str = "istiod-values";

pub fn to_json(resource: &Resource) -> serde_json::Value {
    serde_json::to_value(resource).expect("resources serialize to JSON")
}

pub fn native(compiled: &Compiled) -> Document {
    Document::from_resource(compiled.resource.clone(), compiled.host.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::istio::{Object, ObjectMeta, ServiceEntrySpec, ServicePort};

    /// A released document keeps its text, and its value is what the text says: the same
    /// value as before it was released.
    #[test]
    fn a_released_document_reads_its_value_back_from_its_text() {
        let resource = Resource::ServiceEntry(Object::new(
            crate::istio::NETWORKING_V1,
            "ServiceEntry",
            ObjectMeta {
                name: "on".to_owned(),
                ..ObjectMeta::default()
            },
            ServiceEntrySpec {
                hosts: vec!["api.example.com".to_owned()],
                ports: vec![ServicePort {
                    number: 443,
                    name: "tls".to_owned(),
                    protocol: "TLS".to_owned(),
                    target_port: None,
                }],
                ..ServiceEntrySpec::default()
            },
        ));
        let mut document = Document::from_resource(resource, None);
        let before = document.value().into_owned();
        let text = document.yaml.clone();
        document.release();
        assert_eq!(document.content, Content::Released);
        assert_eq!(document.yaml, text);
        assert_eq!(document.value().into_owned(), before);
    }
}
