//! Output layouts: how rendered documents are arranged for a repository or a pipe.
//!
//! - `stream`: one multi-document stream, in compile order, for `kubectl apply -f -`.
//! - `files`: one file a document, `<kind>-<name>.yaml`, in one directory.
//! - `kustomize`: `files` plus a `kustomization.yaml` listing the cluster resources.
//! - `per-host`: a directory a host (`api.example.com/`, `wildcard.wikipedia.org/`), the
//!   mesh-wide and per-policy documents in `mesh/`, and a `kustomization.yaml` at the top.
//!
//! File names derive from kind and name only, so they are readable and stable across runs;
//! the lists are sorted so that directory listings and kustomizations read the same on every
//! machine. Two documents that would share a file are refused rather than overwritten.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Document, ISTIOD_VALUES_NAME, RenderedFile, yaml};
use crate::istio::HELM_VALUES_KIND;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    #[default]
    Stream,
    Files,
    Kustomize,
    PerHost,
}

pub const KUSTOMIZATION: &str = "kustomization.yaml";

/// The directory of mesh-wide and per-policy documents in the `per-host` layout. Hosts are
/// FQDNs, with dots, so no host directory can be called this.
pub const MESH_DIRECTORY: &str = "mesh";

/// One multi-document stream, in the documents' order.
pub fn stream(documents: &[Document]) -> String {
    let mut out = Vec::with_capacity(documents.iter().map(|d| d.yaml.len() + 4).sum());
    write_stream(&mut out, documents).expect("writing into memory cannot fail");
    String::from_utf8(out).expect("documents are text")
}

/// Writes the stream of [`stream`] to `out`, document by document, without first joining
/// the documents into one string (a big build's stream is tens of megabytes).
pub fn write_stream(
    out: &mut (impl std::io::Write + ?Sized),
    documents: &[Document],
) -> std::io::Result<()> {
    StreamWriter::new(out).write(documents)
}

/// Writes one stream from documents handed over a part at a time (`build` compiles its
/// output in parts).
pub struct StreamWriter<'a, W: std::io::Write + ?Sized> {
    out: &'a mut W,
    started: bool,
}

impl<'a, W: std::io::Write + ?Sized> StreamWriter<'a, W> {
    pub fn new(out: &'a mut W) -> Self {
        StreamWriter {
            out,
            started: false,
        }
    }

    /// Appends the documents to the stream, each after a `---` but the stream's first.
    pub fn write(&mut self, documents: &[Document]) -> std::io::Result<()> {
        for document in documents {
            if self.started {
                self.out.write_all(b"---\n")?;
            }
            self.started = true;
            self.out.write_all(document.yaml.as_bytes())?;
        }
        Ok(())
    }
}

/// The files of a directory layout (`files`, `kustomize` or `per-host`), sorted by path.
/// Fails, naming both documents, when two would be written to one file.
pub fn files(documents: &[Document], layout: Layout) -> Result<Vec<RenderedFile>, String> {
    let mut arranger = Arranger::new(layout);
    let mut files = documents
        .iter()
        .map(|document| arranger.place(document.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    files.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    files.extend(arranger.finish());
    Ok(files)
}

/// Places the documents of a directory layout into their files one at a time, as `build`
/// writes them, remembering only each file's path and what the kustomization says of it.
pub struct Arranger {
    layout: Layout,
    placed: BTreeMap<String, Placed>,
}

/// What is remembered of a placed document.
struct Placed {
    /// `Kind `name` (who wrote it)`, for naming it when another document wants its file.
    described: String,
    /// The tool that takes it when it is not for kubectl: the kustomization says so.
    installed_by: Option<&'static str>,
}

impl Arranger {
    pub fn new(layout: Layout) -> Arranger {
        Arranger {
            layout,
            placed: BTreeMap::new(),
        }
    }

    /// The document's file. Fails, naming both documents, when an earlier one was placed
    /// in the same file.
    pub fn place(&mut self, document: Document) -> Result<RenderedFile, String> {
        let path = match self.layout {
            Layout::PerHost => format!("{}/{}", directory_of(&document), file_name(&document)),
            Layout::Stream | Layout::Files | Layout::Kustomize => file_name(&document),
        };
        let described = format!(
            "{} `{}` ({})",
            document.kind,
            document.name,
            describe(&document)
        );
        if let Some(first) = self.placed.get(&path) {
            return Err(format!(
                "two documents would be written to `{path}`: {} and {described}; \
                 give them different names",
                first.described
            ));
        }
        let installed_by = if document.is_cluster_resource() {
            None
        } else if document.kind == HELM_VALUES_KIND {
            Some("`helm install -f` (istiod chart)")
        } else {
            Some("`istioctl install -f`")
        };
        self.placed.insert(
            path.clone(),
            Placed {
                described,
                installed_by,
            },
        );
        Ok(RenderedFile {
            name: path,
            contents: document.yaml,
        })
    }

    /// The file that completes the layout once every document is placed: the
    /// kustomization, for `kustomize` and `per-host`.
    pub fn finish(self) -> Option<RenderedFile> {
        matches!(self.layout, Layout::Kustomize | Layout::PerHost)
            .then(|| kustomization(&self.placed))
    }
}

fn describe(document: &Document) -> String {
    match &document.origin {
        super::Origin::Builtin => "built in".to_owned(),
        super::Origin::Template(path) => format!("from `{path}`"),
    }
}

/// `<kind>-<name>.yaml`; chart values are `istiod-values.yaml`.
pub fn file_name(document: &Document) -> String {
    if document.kind == HELM_VALUES_KIND {
        return format!("{ISTIOD_VALUES_NAME}.yaml");
    }
    format!(
        "{}-{}.yaml",
        document.kind.to_ascii_lowercase(),
        document.name
    )
}

/// A host's directory: the hostname, with a wildcard's `*` spelled `wildcard` (a `*` in a
/// path needs quoting in every shell).
fn directory_of(document: &Document) -> String {
    match &document.host {
        Some(host) => match host.strip_prefix("*.") {
            Some(rest) => format!("wildcard.{rest}"),
            None => host.clone(),
        },
        None => MESH_DIRECTORY.to_owned(),
    }
}

/// Lists the cluster resources for `kubectl apply -k`. Install inputs (the IstioOperator for
/// `istioctl install -f`, chart values for `helm install -f`) are left out, and it says why.
fn kustomization(placed: &BTreeMap<String, Placed>) -> RenderedFile {
    let mut resources = Vec::new();
    let mut contents = String::from("# Generated by egressc; do not edit.\n");
    for (path, placed) in placed {
        let Some(tool) = placed.installed_by else {
            resources.push(serde_json::Value::String(path.clone()));
            continue;
        };
        let _ = writeln!(
            contents,
            "# {path} is for {tool}, not for kubectl, so it is not listed."
        );
    }
    let document = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    yaml::write_document(&mut contents, &document);
    RenderedFile {
        name: KUSTOMIZATION.to_owned(),
        contents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Origin;

    fn document(kind: &str, namespace: &str, name: &str, host: Option<&str>) -> Document {
        let value = serde_json::json!({
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace},
        });
        Document::from_value(value, host.map(str::to_owned), Origin::Builtin)
    }

    fn names(files: &[RenderedFile]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn per_host_directories_are_readable_hostnames() {
        let documents = [
            document("ServiceEntry", "ns", "wildcard-b", Some("*.b.example")),
            document("ServiceEntry", "ns", "a", Some("a.example")),
            document("ConfigMap", "ns", "inventory", None),
        ];
        let files = files(&documents, Layout::PerHost).unwrap();
        assert_eq!(
            names(&files),
            [
                "a.example/serviceentry-a.yaml",
                "mesh/configmap-inventory.yaml",
                "wildcard.b.example/serviceentry-wildcard-b.yaml",
                KUSTOMIZATION,
            ]
        );
    }

    #[test]
    fn only_kustomize_and_per_host_write_a_kustomization() {
        let documents = [document("ServiceEntry", "ns", "a", Some("a.example"))];
        assert_eq!(
            names(&files(&documents, Layout::Files).unwrap()),
            ["serviceentry-a.yaml"]
        );
        assert_eq!(
            names(&files(&documents, Layout::Kustomize).unwrap()),
            ["serviceentry-a.yaml", KUSTOMIZATION]
        );
    }

    #[test]
    fn two_documents_for_one_file_are_refused() {
        let documents = [
            document("DestinationRule", "one", "x", Some("a.example")),
            document("DestinationRule", "two", "x", Some("a.example")),
        ];
        let error = files(&documents, Layout::Files).unwrap_err();
        assert!(error.contains("`destinationrule-x.yaml`"), "{error}");
        assert_eq!(stream(&documents).matches("---\n").count(), 1);
    }
}
