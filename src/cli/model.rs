//! `egressc model`: the merged, validated policy as JSON, for other tools.

use std::path::PathBuf;

use clap::Args;

use super::{Outcome, fail, load_policy, write_stdout};
use crate::diagnostic::render::Style;

/// Print the merged, validated policy model as JSON.
///
/// The JSON follows `schemas/policy-model.schema.json`. Use it to feed the allow-list to
/// other tools (inventories, firewalls, reviews) without parsing KDL.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  egressc model policies/ | jq '.hosts[].name'")]
pub struct ModelArgs {
    /// Policy files, or directories of `*.kdl` files.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    policies: Vec<PathBuf>,
}

pub fn run(args: &ModelArgs, style: Style) -> Outcome {
    let loaded = match load_policy(&args.policies, style) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let policy = loaded.policy.expect("a policy loaded without errors");
    match serde_json::to_string_pretty(&policy) {
        Ok(mut json) => {
            json.push('\n');
            write_stdout(&json)
        }
        Err(error) => fail(&error),
    }
}
