//! `egressc build`: policy files in, Istio manifests out, in the layout asked for.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::compile_args::{Built, CompileArgs, compile_policy};
use super::{Outcome, fail, write_stdout_with};
use crate::diagnostic::render::Style;
use crate::emit;
use crate::render::layout::{self, Layout};

/// Compile policy files into Istio manifests.
///
/// Reads every policy file named (a directory means each `*.kdl` in it), merges them, refuses
/// known mistakes, and writes the resources as one YAML stream on stdout or, with `-o`, as
/// files in a directory (by default one a resource plus a kustomization.yaml). The output is
/// deterministic: byte-identical across runs and machines, whatever order the files are
/// named in.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    egressc build egress.kdl | kubectl apply -f -\n  \
    egressc build policies/ -o deploy/egress      # then: kubectl apply -k deploy/egress\n  \
    egressc build policies/ -o deploy/egress --layout per-host --templates platform/\n  \
    egressc build policies/ --mesh-config none    # mesh config managed elsewhere")]
pub struct BuildArgs {
    /// Policy files, or directories of `*.kdl` files.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    policies: Vec<PathBuf>,

    /// Write the files of a directory layout into DIR instead of a stream on stdout.
    ///
    /// DIR is replaced as a whole or not at all. egressc only replaces files it wrote there
    /// before (listed in `.egressc-owned`), and refuses a non-empty directory it did not create.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,

    /// How the output is arranged: `stream` on stdout (the default without `-o`), or, into
    /// `-o DIR`, `files`, `kustomize` (the default with `-o`) or `per-host`.
    #[arg(long, value_name = "LAYOUT")]
    layout: Option<LayoutArg>,

    #[command(flatten)]
    compile: CompileArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LayoutArg {
    /// One multi-document YAML stream on stdout, for `kubectl apply -f -`.
    Stream,
    /// One file a resource, `<kind>-<name>.yaml`.
    Files,
    /// One file a resource plus a kustomization.yaml, for `kubectl apply -k`.
    Kustomize,
    /// A directory a host, mesh-wide resources in `mesh/`, and a kustomization.yaml.
    PerHost,
}

pub fn run(args: &BuildArgs, style: Style) -> Outcome {
    let layout = match (args.layout, &args.output) {
        (None | Some(LayoutArg::Stream), None) => Layout::Stream,
        (Some(LayoutArg::Stream), Some(_)) => {
            return fail(
                &"`--layout stream` writes to stdout; leave out `-o`, or choose \
                  `files`, `kustomize` or `per-host`",
            );
        }
        (Some(_), None) => {
            return fail(&"a directory layout needs `-o DIR`");
        }
        (Some(LayoutArg::Files), Some(_)) => Layout::Files,
        (None | Some(LayoutArg::Kustomize), Some(_)) => Layout::Kustomize,
        (Some(LayoutArg::PerHost), Some(_)) => Layout::PerHost,
    };
    if layout == Layout::Stream && args.compile.writes_chart_values() {
        return fail(
            &"`--mesh-config helm-values` writes a values file for `helm install -f`, \
                      which a stream for kubectl cannot carry; write into a directory with `-o DIR`",
        );
    }
    let built = match compile_policy(&args.policies, &args.compile, style) {
        Ok(built) => built,
        Err(outcome) => return outcome,
    };
    let Some(dir) = &args.output else {
        return write_stdout_with(|out| {
            let mut stream = layout::StreamWriter::new(out);
            built.write_in_parts(|part| stream.write(&part))
        });
    };
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
    match write_directory(built, &dir, layout) {
        Ok(count) => {
            eprintln!("egressc: wrote {count} resources to {}", dir.display());
            Outcome::Success
        }
        Err(error) => fail(&error),
    }
}

/// Writes the documents into `dir` in `layout` as they are made, all or nothing: an error
/// leaves `dir` as it was. Returns how many documents were written.
fn write_directory(built: Built, dir: &Path, layout: Layout) -> Result<usize, String> {
    let mut staging = emit::Staging::begin(dir).map_err(|error| error.to_string())?;
    let mut arranger = layout::Arranger::new(layout);
    let mut count = 0;
    built.freeing_model_while_writing().write_in_parts(|part| {
        for document in part {
            let file = arranger.place(document)?;
            staging.write(&file).map_err(|error| error.to_string())?;
            count += 1;
        }
        Ok::<(), String>(())
    })?;
    if let Some(kustomization) = arranger.finish() {
        staging
            .write(&kustomization)
            .map_err(|error| error.to_string())?;
    }
    staging.finish().map_err(|error| error.to_string())?;
    Ok(count)
}
