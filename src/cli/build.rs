//! `egressc build`: policy files in, Istio manifests out.

use std::path::PathBuf;

use clap::Args;

use super::compile_args::{CompileArgs, compile_policy};
use super::{Outcome, fail, write_stdout};
use crate::diagnostic::render::Style;
use crate::{emit, render};

/// Compile policy files into Istio manifests.
///
/// Reads every policy file named (a directory means each `*.kdl` in it), merges them, refuses
/// known mistakes, and writes the resources as one YAML stream on stdout or, with `-o`, as
/// one file per resource plus a kustomization.yaml. The output is deterministic:
/// byte-identical across runs and machines, whatever order the files are named in.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    egressc build egress.kdl | kubectl apply -f -\n  \
    egressc build policies/ -o deploy/egress      # then: kubectl apply -k deploy/egress\n  \
    egressc build policies/ --mesh-config none    # mesh config managed elsewhere")]
pub struct BuildArgs {
    /// Policy files, or directories of `*.kdl` files.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    policies: Vec<PathBuf>,

    /// Write one file per resource and a kustomization.yaml into DIR instead of stdout.
    ///
    /// DIR is replaced as a whole or not at all. egressc only replaces files it wrote there
    /// before (listed in `.egressc-owned`), and refuses a non-empty directory it did not create.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,

    #[command(flatten)]
    compile: CompileArgs,
}

pub fn run(args: &BuildArgs, style: Style) -> Outcome {
    let compiled = match compile_policy(&args.policies, &args.compile, style) {
        Ok((_, compiled)) => compiled,
        Err(outcome) => return outcome,
    };
    match &args.output {
        None => return write_stdout(&render::stream(&compiled)),
        Some(dir) => {
            let files = render::files(&compiled);
            let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
            if let Err(error) = emit::write_directory(&dir, &files) {
                return fail(&error);
            }
            eprintln!(
                "egressc: wrote {} resources to {}",
                compiled.len(),
                dir.display()
            );
        }
    }
    Outcome::Success
}
