//! `check` as a library: manifest files in, report entries out.
//!
//! ```text
//! input -> manifest::read -> rules (Index, RULES) -> report
//! files    typed resources   findings                text / json / sarif / github
//! ```
//!
//! Reading problems (a document that is not YAML, a field that cannot be read) become
//! entries too, so a report always says everything that was wrong with the input at once.

use std::path::PathBuf;

use crate::diagnostic::{Severity, codes};
use crate::input::{self, InputError, ManifestInput};
use crate::manifest::stream::{Document, split_documents};
use crate::manifest::{Manifest, MeshConfig, ResourceRef, read};
use crate::report::{At, Entry};
use crate::rules::{self, Index, Severities};
use crate::source::{SourceId, Sources};

/// How to judge the manifests.
#[derive(Clone, Debug)]
pub struct Options {
    /// The namespace of resources that name none.
    pub namespace: String,
    /// Mesh config given on its own (`--mesh-config FILE`), as `istioctl analyze` takes it.
    pub mesh_config: Option<MeshConfig>,
    pub severities: Severities,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            namespace: "default".to_owned(),
            mesh_config: None,
            severities: Severities::default(),
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Default)]
pub struct Checked {
    pub sources: Sources,
    pub entries: Vec<Entry>,
    /// Resources of the kinds the rules read.
    pub resources: usize,
    /// Documents of other kinds, skipped.
    pub skipped: usize,
}

impl Checked {
    /// Some document could not be read at all (exit 2).
    pub fn unreadable(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.code == codes::UNREADABLE_MANIFEST)
    }

    /// Some rule fired at error level (exit 1).
    pub fn has_errors(&self) -> bool {
        self.entries.iter().any(|e| e.severity == Severity::Error)
    }
}

/// Reads the inputs (files, or stdin) and checks them.
pub fn check_inputs(inputs: &[ManifestInput], options: &Options) -> Result<Checked, InputError> {
    // On every core: opening and reading a repository's many small files is kernel time
    // that one core alone spends file after file.
    let read = crate::parallel::map(inputs, |manifest_input| match manifest_input {
        ManifestInput::File(path) => Ok((path.clone(), input::read(path)?)),
        ManifestInput::Stdin => Ok((PathBuf::from("<stdin>"), input::read_stdin()?)),
    });
    let texts = read.into_iter().collect::<Result<Vec<_>, InputError>>()?;
    Ok(check_texts(texts, options))
}

/// Checks manifest texts, each named by the path reports show.
pub fn check_texts(texts: Vec<(PathBuf, Vec<u8>)>, options: &Options) -> Checked {
    let mut checked = Checked::default();
    let mut readable: Vec<SourceId> = Vec::with_capacity(texts.len());
    for (path, bytes) in texts {
        let (text, not_utf8) = match String::from_utf8(bytes) {
            Ok(text) => (text, false),
            Err(error) => (String::from_utf8_lossy(error.as_bytes()).into_owned(), true),
        };
        let source = checked.sources.add(path, text);
        if not_utf8 {
            checked.entries.push(unreadable(
                At { source, line: 1 },
                "the file is not UTF-8 text",
                "save the file as UTF-8",
            ));
        } else {
            readable.push(source);
        }
    }
    // Parsing is most of a big check, and documents are independent: on every core, be
    // they one long stream or thousands of one-resource files.
    let sources = &checked.sources;
    let documents: Vec<(SourceId, Document)> = readable
        .iter()
        .flat_map(|&source| {
            split_documents(&sources.get(source).text)
                .into_iter()
                .map(move |document| (source, document))
        })
        .collect();
    let reads = crate::parallel::map(&documents, |(_, document)| read::read_one(document));
    // Exactly as many as were read: tens of thousands of manifests, held while every read
    // still exists, must not pay for a doubling vector's spare half.
    let total = reads.iter().map(|read| read.manifests.len()).sum();
    let mut manifests: Vec<Manifest> = Vec::with_capacity(total);
    let mut located: Vec<At> = Vec::with_capacity(total);
    for ((source, _), read) in documents.iter().zip(reads) {
        let source = *source;
        checked.skipped += read.skipped;
        for problem in read.problems {
            let at = At {
                source,
                line: problem.line,
            };
            checked
                .entries
                .push(unreadable(at, &problem.message, problem.help));
        }
        for item in read.manifests {
            let at = At {
                source,
                line: item.line,
            };
            for field in &item.ignored {
                checked.entries.push(Entry {
                    code: codes::IGNORED_FIELD,
                    severity: Severity::Warning,
                    message: format!("`{}` was left out: {}", field.path, field.reason),
                    resource: Some(item.manifest.id.clone()),
                    at: Some(At {
                        source,
                        line: field.line.unwrap_or(item.line),
                    }),
                    related: Vec::new(),
                    help: Some(
                        "the rest of the resource was checked; fix or fill in the field \
                         (a placeholder left for a template?)"
                            .to_owned(),
                    ),
                });
            }
            manifests.push(item.manifest);
            located.push(at);
        }
    }
    checked.resources = manifests.len();
    let index = Index::new(&manifests, &options.namespace, options.mesh_config.as_ref());
    for finding in rules::run(&index, &options.severities) {
        let reference = |i: usize| -> ResourceRef { manifests[i].id.clone() };
        checked.entries.push(Entry {
            code: finding.code,
            severity: finding.severity,
            message: finding.message,
            resource: Some(reference(finding.resource)),
            at: Some(located[finding.resource]),
            related: finding
                .related
                .iter()
                .map(|&i| (reference(i), Some(located[i])))
                .collect(),
            help: finding.help,
        });
    }
    checked
        .entries
        .sort_by(|a, b| (a.at, a.code.id).cmp(&(b.at, b.code.id)));
    checked
}

/// An entry for a document that could not be read (`E020`); `diff` reports them too.
pub(crate) fn unreadable(at: At, message: &str, help: &str) -> Entry {
    Entry {
        code: codes::UNREADABLE_MANIFEST,
        severity: Severity::Error,
        message: message.to_owned(),
        resource: None,
        at: Some(at),
        related: Vec::new(),
        help: Some(help.to_owned()),
    }
}

/// Reads a MeshConfig file (`--mesh-config`): bare MeshConfig YAML, as `istioctl analyze
/// --meshConfigFile` takes it.
pub fn read_mesh_config(path: &std::path::Path) -> Result<MeshConfig, InputError> {
    let bytes = input::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    serde_yaml::from_str::<Option<MeshConfig>>(&text)
        .map(Option::unwrap_or_default)
        .map_err(|e| InputError {
            path: path.to_owned(),
            message: format!("not a MeshConfig: {e}"),
        })
}
