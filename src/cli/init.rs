//! `egressc init`: scaffolds a commented policy, and with `--templates` a copy of the built-in
//! templates to edit. It never overwrites: if any file it would write exists, it writes none.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Outcome, fail};
use crate::templates::builtin::BUILTINS;

/// Start a policy, and optionally a template set, in a directory.
///
/// Writes `egress.kdl`, a commented policy to edit. With `--templates`, also copies the
/// built-in templates into `templates/`, to shape the output with `build --templates`
/// (docs/templates.md lists every variable they see).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    egressc init egress/\n  \
    egressc init egress/ --templates && egressc build egress/egress.kdl --templates egress/templates")]
pub struct InitArgs {
    /// The directory to write into (created if missing).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,

    /// Also copy the built-in templates into DIR/templates.
    #[arg(long)]
    templates: bool,
}

const POLICY: &str = include_str!("init_policy.kdl");

pub fn run(args: &InitArgs) -> Outcome {
    let mut files: Vec<(PathBuf, &str)> = vec![(args.dir.join("egress.kdl"), POLICY)];
    if args.templates {
        let dir = args.dir.join("templates");
        files.extend(BUILTINS.iter().map(|b| (dir.join(b.name), b.source)));
    }
    if let Some((existing, _)) = files.iter().find(|(path, _)| path.exists()) {
        return fail(&format!(
            "`{}` exists; init writes only new files, and wrote none",
            existing.display()
        ));
    }
    for (path, contents) in &files {
        if let Err(error) = write_new(path, contents) {
            return fail(&format!("cannot write `{}`: {error}", path.display()));
        }
    }
    for (path, _) in &files {
        eprintln!("egressc: wrote {}", path.display());
    }
    Outcome::Success
}

fn write_new(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)
}
