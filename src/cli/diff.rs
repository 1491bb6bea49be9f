//! `egressc diff`: what the policy would change in what is deployed.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::compile_args::{CompileArgs, Unguarded, compile_unguarded, report_judgement};
use super::{ColorChoice, Outcome, fail, leave, write_stdout};
use crate::diagnostic::render::Style;
use crate::diagnostic::{Severity, codes};
use crate::diff::{self, Deployed, Duplicate, output};
use crate::input::{self, EmptyDirectories, InputError, ManifestInput};
use crate::manifest::objects;
use crate::render::Document;
use crate::report::{self, At, Entry, Format};
use crate::source::{SourceId, Sources};

/// Compare the compiled policy with deployed manifests.
///
/// Compiles the policy as `build` would and compares the result with manifests read from
/// files, directories (recursively, `*.yaml` and `*.yml`) or `-` for standard input,
/// including the `kind: List` that `kubectl get -o yaml` prints. Fields the API server sets,
/// the served version of an Istio kind, key order, quoting and empty lists Istio cannot tell
/// from absent ones never count as differences. Deployed resources labelled
/// `app.kubernetes.io/managed-by: egressc` that the policy no longer has are to remove; other
/// deployed resources are left alone unless `--include-unmanaged`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    egressc diff policies/ --against deploy/egress/\n  \
    kubectl get serviceentries,gateways,virtualservices,destinationrules -A -o yaml \\\n    \
    | egressc diff policies/ --mesh-config none --against -\n  \
    egressc diff policies/ --against deploy/egress/ --format json\n\n\
    Exit codes: 0 nothing differs, 1 something differs (or the policy is refused), \
    2 input that cannot be read.")]
pub struct DiffArgs {
    /// Policy files, or directories of `*.kdl` files.
    #[arg(required = true, value_name = "POLICY")]
    policies: Vec<PathBuf>,

    /// The deployed manifests: files, directories, or `-` for standard input.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    against: Vec<PathBuf>,

    /// Also report deployed Istio resources that egressc did not label as its own and the
    /// policy does not have (as to remove).
    #[arg(long)]
    include_unmanaged: bool,

    /// Output format: a unified diff per resource, or JSON with each differing field.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: DiffFormat,

    /// Print only the summary line (`2 to add, 1 to change, 0 to remove`).
    #[arg(long, conflicts_with = "format")]
    stat: bool,

    #[command(flatten)]
    compile: CompileArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

pub fn run(args: &DiffArgs, color: ColorChoice, style: Style) -> Outcome {
    if args.compile.writes_chart_values() {
        return fail(
            &"diff compares Kubernetes objects, and istiod chart values are not one; \
              use `--mesh-config none` (or the form your cluster holds: `configmap`)",
        );
    }
    // The deployed files are read on a thread of their own from the start: reading tens of
    // thousands of files takes longer than loading the policy and judging it, which is done
    // meanwhile. Only the comparison needs both.
    let against = args.against.clone();
    let reading = std::thread::spawn(move || read_files(&against));
    let read = move || reading.join().expect("the reader thread panicked");
    let mut unguarded = match compile_unguarded(&args.policies, &args.compile, style) {
        Ok(unguarded) => unguarded,
        // A manifest that cannot be read is reported as well, and decides the exit code.
        Err(outcome) => return read().map_or_else(|error| fail(&error), |_| outcome),
    };
    // The rules' findings go to their own list, reported once the comparison is done.
    let mut diagnostics = std::mem::take(&mut unguarded.diagnostics);
    let (judged, compared) = crate::parallel::join(
        || unguarded.judge(&mut diagnostics),
        || {
            read().map(|mut files| {
                let compared = compare(&unguarded, &mut files, args.include_unmanaged);
                (files, compared)
            })
        },
    );
    let (mut files, compared) = match compared {
        Ok(read) => read,
        Err(error) => return fail(&error),
    };
    let refused = report_judgement(&diagnostics, &unguarded.loaded, style).is_err();
    let result = match compared {
        Ok(result) if files.problems.is_empty() => result,
        Ok(_) => return unreadable(&files.problems, &files.sources, style),
        Err(duplicates) => {
            let mut entries = std::mem::take(&mut files.problems);
            entries.extend(
                duplicates
                    .iter()
                    .map(|duplicate| duplicate_entry(duplicate, &files.sources)),
            );
            return unreadable(&entries, &files.sources, style);
        }
    };
    if refused {
        return Outcome::Refused;
    }
    let text = if args.stat {
        output::summary(&result)
    } else {
        match args.format {
            DiffFormat::Text => {
                let style = super::style_for(color, std::io::stdout().is_terminal());
                output::text(&result, &files.sources, style == Style::Colored)
            }
            DiffFormat::Json => output::json(&result, &files.sources),
        }
    };
    let outcome = match write_stdout(&text) {
        Outcome::Success if result.differences.is_empty() => Outcome::Success,
        Outcome::Success => Outcome::Differs,
        failed => failed,
    };
    leave((unguarded, files, result, judged));
    outcome
}

/// The deployed manifest files, read into memory, and the ones that are not text.
struct Files {
    sources: Sources,
    /// The sources holding UTF-8 text, in order.
    texts: Vec<SourceId>,
    /// Their `kind: List` documents, already parsed and packed: no document in one can be
    /// byte-identical to what `build` writes, so they are read while the policy compiles.
    lists: Vec<objects::Objects<diff::Packed>>,
    problems: Vec<Entry>,
}

fn read_files(paths: &[PathBuf]) -> Result<Files, InputError> {
    let mut sources = Sources::default();
    let mut problems = Vec::new();
    let mut texts = Vec::new();
    for manifest_input in input::manifest_inputs(paths, EmptyDirectories::Allow)? {
        let (path, bytes) = match manifest_input {
            ManifestInput::File(path) => {
                let bytes = input::read(&path)?;
                (path, bytes)
            }
            ManifestInput::Stdin => (PathBuf::from("<stdin>"), input::read_stdin()?),
        };
        match String::from_utf8(bytes) {
            Ok(text) => texts.push(sources.add(path, text)),
            Err(error) => {
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let source = sources.add(path, text);
                let at = At { source, line: 1 };
                problems.push(crate::check::unreadable(
                    at,
                    "the file is not UTF-8 text",
                    "save the file as UTF-8",
                ));
            }
        }
    }
    let lists = {
        let texts: Vec<&str> = texts
            .iter()
            .map(|&id| sources.get(id).text.as_str())
            .collect();
        objects::read_lists(&texts, diff::Packed::new)
    };
    Ok(Files {
        sources,
        texts,
        lists,
        problems,
    })
}

/// Compares what `build` would write with the deployed manifests. A deployed document whose
/// text is byte for byte what `build` writes for a resource is that resource, unparsed; a
/// resource with an item in a `kind: List` is compared with it as it is compiled; the other
/// documents are parsed and compared last. Problems reading them go to `files.problems`.
fn compare(
    unguarded: &Unguarded,
    files: &mut Files,
    include_unmanaged: bool,
) -> Result<diff::Diff, Vec<Duplicate>> {
    let options = diff::Options {
        config_namespace: unguarded
            .loaded
            .policy
            .as_ref()
            .map_or_else(String::new, |p| p.mesh.config_namespace.clone()),
        include_unmanaged,
    };
    let texts: Vec<&str> = files
        .texts
        .iter()
        .map(|&id| files.sources.get(id).text.as_str())
        .collect();
    let unparsed = objects::Unparsed::split(&texts);
    let sources = &files.texts;
    let mut problems = Vec::new();
    let listed = diff::DeployedIndex::new(
        deployed_objects(std::mem::take(&mut files.lists), sources, &mut problems),
        &options,
    );
    // Made as each document is compiled, on the thread that compiled it: what the comparison
    // needs of a resource is far less than its typed form and text.
    let compiled = unguarded.each_document(|document: &Document| {
        let mut identical = Vec::new();
        unparsed.take_identical(&document.yaml, |text, line| {
            identical.push(At {
                source: sources[text],
                line,
            });
        });
        diff::CompiledSide::new(document, identical, &listed, &options)
    });
    let rest = deployed_objects(
        unparsed.read_rest(diff::Packed::new),
        sources,
        &mut problems,
    );
    let rest = diff::DeployedIndex::new(rest, &options);
    // The Lists' problems and the other documents', in the order of their files and lines.
    problems.sort_by_key(|entry: &Entry| entry.at);
    files.problems.append(&mut problems);
    diff::diff(compiled, listed, rest, &options)
}

/// The objects read from each text (in the order of `sources`); problems reading them go
/// to `problems`.
fn deployed_objects(
    read: Vec<objects::Objects<diff::Packed>>,
    sources: &[SourceId],
    problems: &mut Vec<Entry>,
) -> Vec<Deployed> {
    let mut deployed = Vec::with_capacity(read.iter().map(|read| read.objects.len()).sum());
    for (&source, read) in sources.iter().zip(read) {
        for item in read.problems {
            let at = At {
                source,
                line: item.line,
            };
            problems.push(crate::check::unreadable(at, &item.message, item.help));
        }
        deployed.extend(read.objects.into_iter().map(|object| Deployed {
            object: object.value,
            at: At {
                source,
                line: object.line,
            },
        }));
    }
    deployed
}

impl diff::CompiledResource for Document {
    fn id(&self) -> (&str, &str, Option<&str>, &str) {
        (
            &self.api_version,
            &self.kind,
            self.namespace.as_deref(),
            &self.name,
        )
    }

    /// Natively written documents hold their typed resource, turned into a value only here.
    fn value(&self) -> std::borrow::Cow<'_, Value> {
        Document::value(self)
    }
}

fn duplicate_entry(duplicate: &Duplicate, sources: &Sources) -> Entry {
    Entry {
        code: codes::DUPLICATE_RESOURCE,
        severity: Severity::Error,
        message: format!(
            "{} is deployed twice; the other copy starts at {}:{}",
            duplicate.resource,
            report::path_string(sources.path(duplicate.first.source)),
            duplicate.first.line
        ),
        resource: None,
        at: Some(duplicate.second),
        related: Vec::new(),
        help: Some(
            "keep one copy of each resource among the manifests to compare with; \
             versions of one Istio kind (v1, v1beta1) are the same resource"
                .to_owned(),
        ),
    }
}

/// Reports input that could not be compared with, and ends the run with exit 2: a document
/// left out would show up as a resource to add.
fn unreadable(entries: &[Entry], sources: &Sources, style: Style) -> Outcome {
    eprint!("{}", report::render(Format::Text, entries, sources, style));
    eprintln!("egressc: cannot compare with manifests that cannot be read; nothing was compared");
    Outcome::Failed
}
