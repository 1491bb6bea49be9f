//! `egressc check`: judge Istio manifests that anyone wrote.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Outcome, fail, leave, write_stdout};
use crate::check::{self, Options};
use crate::diagnostic::render::Style;
use crate::report::{self, Format};
use crate::rules::{Level, Severities};

/// Check Istio egress manifests for known mistakes.
///
/// Reads YAML files, directories (recursively, `*.yaml` and `*.yml`) or `-` for standard
/// input: multi-document streams and the `kind: List` that `kubectl get -o yaml` prints.
/// Kinds the rules do not read are skipped. Every finding names the rule, the resource and
/// the file and line where it starts.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    egressc check deploy/egress/\n  \
    kubectl get serviceentries,gateways,virtualservices,destinationrules -A -o yaml | egressc check -\n  \
    egressc check manifests/ --format sarif > egressc.sarif\n  \
    egressc check manifests/ --allow no-server-verification --deny M012\n\n\
    Exit codes: 0 nothing at error level, 1 a rule fired at error level, \
    2 input that cannot be read.")]
pub struct CheckArgs {
    /// Manifest files, directories, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: FormatArg,

    /// The namespace of resources that name none (where `kubectl apply` would put them).
    #[arg(short, long, value_name = "NAMESPACE", default_value = "default")]
    namespace: String,

    /// A MeshConfig YAML file (as for `istioctl analyze --meshConfigFile`), when the mesh
    /// config is not among the manifests (as an IstioOperator or the `istio` ConfigMap).
    #[arg(long, value_name = "FILE")]
    mesh_config: Option<PathBuf>,

    #[command(flatten)]
    severities: SeverityArgs,
}

/// `--deny/--warn/--allow`, shared by `check` and `build`.
#[derive(Debug, Args)]
pub(super) struct SeverityArgs {
    /// Report a rule's findings as errors, which fail the run (code or name; repeatable).
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,

    /// Report a rule's findings as warnings, which do not fail the run (repeatable).
    #[arg(long, value_name = "RULE")]
    warn: Vec<String>,

    /// Do not run a rule (repeatable).
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
}

impl SeverityArgs {
    /// The overrides on top of `base` (the policy's `rules` block for `build`); the command
    /// line wins.
    pub(super) fn apply(&self, base: Severities) -> Result<Severities, Outcome> {
        let mut severities = base;
        for (names, level) in [
            (&self.allow, Level::Allow),
            (&self.warn, Level::Warn),
            (&self.deny, Level::Deny),
        ] {
            for name in names {
                severities
                    .set(name, level)
                    .map_err(|message| fail(&message))?;
            }
        }
        Ok(severities)
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    /// rustc-style diagnostics.
    Text,
    /// An array of findings (schemas/check-findings.schema.json).
    Json,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

pub fn run(args: &CheckArgs, style: Style) -> Outcome {
    let severities = match args.severities.apply(Severities::default()) {
        Ok(severities) => severities,
        Err(outcome) => return outcome,
    };
    let mesh_config = match &args.mesh_config {
        Some(path) => match check::read_mesh_config(path) {
            Ok(mesh) => Some(mesh),
            Err(error) => return fail(&error),
        },
        None => None,
    };
    let options = Options {
        namespace: args.namespace.clone(),
        mesh_config,
        severities,
    };
    let inputs =
        match crate::input::manifest_inputs(&args.paths, crate::input::EmptyDirectories::Refuse) {
            Ok(inputs) => inputs,
            Err(error) => return fail(&error),
        };
    let checked = match check::check_inputs(&inputs, &options) {
        Ok(checked) => checked,
        Err(error) => return fail(&error),
    };
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    let written = write_stdout(&report::render(
        format,
        &checked.entries,
        &checked.sources,
        style,
    ));
    let outcome = if written != Outcome::Success {
        written
    } else if checked.unreadable() {
        Outcome::Failed
    } else if checked.has_errors() {
        Outcome::Refused
    } else {
        Outcome::Success
    };
    leave(checked);
    outcome
}
