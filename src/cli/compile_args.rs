//! What `build` and `diff` share: the options that decide what a policy compiles to, and
//! the run from policy files to guarded resources. `diff` compares exactly what `build`
//! would write, so both go through this one path.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::check::SeverityArgs;
use super::{Outcome, fail, load_policy};
use crate::compile::{self, Compiled, MeshConfigFormat};
use crate::diagnostic::Diagnostics;
use crate::diagnostic::render::{self as render_diagnostics, Style};
use crate::policy::{Policy, RuleLevel};
use crate::rules::{Level, Severities};
use crate::{Loaded, guard};

/// Options that decide what the policy compiles to.
#[derive(Debug, Args)]
pub struct CompileArgs {
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

/// Loads, compiles and guards the policy files, printing every diagnostic. Returns the
/// resources `build` writes, or how the run ended (1 when a rule refuses them).
pub fn compile_policy(
    policies: &[PathBuf],
    args: &CompileArgs,
    style: Style,
) -> Result<(Loaded, Vec<Compiled>), Outcome> {
    let loaded = load_policy(policies, style)?;
    let policy = loaded
        .policy
        .as_ref()
        .expect("a policy loaded without errors");
    let options = compile::Options {
        mesh_config: match args.mesh_config {
            MeshConfigArg::IstioOperator => MeshConfigFormat::IstioOperator,
            MeshConfigArg::None => MeshConfigFormat::None,
        },
    };
    let compiled = compile::compile(policy, options);
    let severities = policy_severities(policy).and_then(|base| args.severities.apply(base))?;
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
        return Err(Outcome::Refused);
    }
    Ok((loaded, compiled))
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
