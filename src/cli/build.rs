//! `egressc build`: policy files in, Istio manifests out.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::check::SeverityArgs;
use super::{Outcome, fail, load_policy, write_stdout};
use crate::compile::{self, MeshConfigFormat};
use crate::diagnostic::Diagnostics;
use crate::diagnostic::render::{self as render_diagnostics, Style};
use crate::policy::{Policy, RuleLevel};
use crate::rules::{Level, Severities};
use crate::{emit, guard, render};

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

    /// How to write the mesh-wide settings (outbound traffic policy, egress gateway).
    #[arg(long, value_name = "FORMAT", default_value = "istio-operator")]
    mesh_config: MeshConfigArg,

    /// Severity overrides for the rules that judge the output; they override the policy's
    /// `rules` block.
    #[command(flatten)]
    severities: SeverityArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MeshConfigArg {
    /// An IstioOperator overlay, for `istioctl install -f` (left out of kustomization.yaml).
    IstioOperator,
    /// Leave mesh config out, for platforms that manage it elsewhere.
    None,
}

pub fn run(args: &BuildArgs, style: Style) -> Outcome {
    let loaded = match load_policy(&args.policies, style) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let policy = loaded.policy.expect("a policy loaded without errors");
    let options = compile::Options {
        mesh_config: match args.mesh_config {
            MeshConfigArg::IstioOperator => MeshConfigFormat::IstioOperator,
            MeshConfigArg::None => MeshConfigFormat::None,
        },
    };
    let compiled = compile::compile(&policy, options);
    let severities = match policy_severities(&policy).and_then(|base| args.severities.apply(base)) {
        Ok(severities) => severities,
        Err(outcome) => return outcome,
    };
    let mut diagnostics = Diagnostics::default();
    guard::guard(&compiled, &severities, &mut diagnostics);
    eprint!(
        "{}",
        render_diagnostics::render_all(&diagnostics.sorted(), &loaded.sources, style)
    );
    if diagnostics.has_errors() {
        let errors = diagnostics.error_count();
        let noun = if errors == 1 { "rule" } else { "rules" };
        eprintln!("egressc: refused by {errors} {noun}; nothing was written");
        return Outcome::Refused;
    }
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

/// The policy's `rules` block as severity overrides.
fn policy_severities(policy: &Policy) -> Result<Severities, Outcome> {
    let mut severities = Severities::default();
    for rule in &policy.rules {
        let level = match rule.level {
            RuleLevel::Deny => Level::Deny,
            RuleLevel::Warn => Level::Warn,
            RuleLevel::Allow => Level::Allow,
        };
        severities
            .set(&rule.rule.value, level)
            .map_err(|message| fail(&message))?;
    }
    Ok(severities)
}
