//! The command line: argument parsing (clap derive; the doc comments are the help text) and
//! the exit-code contract, with one file per command.
//!
//! Exit codes: 0 success, 1 the policy asks for a known mistake (or `diff` found a
//! difference, `check` a finding at error level), 2 anything else that stopped
//! the run (usage, unreadable or invalid input, I/O). Nothing is written on failure.

mod build;
mod check;
mod compile_args;
mod diff;
mod init;
mod model;
mod rule;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::Loaded;
use crate::diagnostic::{CodeKind, render};

/// Compile an egress policy into Istio manifests, refusing known mistakes.
///
/// egressc reads a small KDL policy that lists the external hosts workloads may reach and
/// how apps talk to them, and writes every Istio resource that needs: ServiceEntries, the
/// egress Gateway, two-hop VirtualServices, DestinationRules and the mesh config with
/// REGISTRY_ONLY. Configurations known to break (TLS inside TLS, TCP without addresses,
/// wildcards the gateway cannot resolve, ...) are refused with an error pointing at the
/// policy line. `egressc check` runs the same rules over Istio manifests anyone wrote.
#[derive(Debug, Parser)]
#[command(
    name = "egressc",
    version,
    after_help = "Examples:\n  \
        egressc build examples/egress-gateway-https-passthrough.kdl\n  \
        egressc build policies/ -o deploy/egress\n  \
        egressc check deploy/egress/\n  \
        egressc diff policies/ --against deploy/egress/\n  \
        egressc init egress/ --templates\n  \
        egressc rule --list\n\n\
        Exit codes: 0 success, 1 refused (a known mistake) or a difference found, \
        2 usage, input or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to colour diagnostics and diffs: auto (a terminal, and NO_COLOR unset), always,
    /// never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    Build(build::BuildArgs),
    Check(check::CheckArgs),
    Diff(diff::DiffArgs),
    Rule(rule::RuleArgs),
    Init(init::InitArgs),
    Model(model::ModelArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How a command ended, mapped to the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Refused,
    /// `diff` found the deployed manifests differ from the policy.
    Differs,
    Failed,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Refused | Outcome::Differs => ExitCode::from(1),
            Outcome::Failed => ExitCode::from(2),
        }
    }
}

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = style_for(cli.color, std::io::stderr().is_terminal());
    let outcome = match cli.command {
        Command::Build(args) => build::run(&args, style),
        Command::Check(args) => {
            check::run(&args, style_for(cli.color, std::io::stdout().is_terminal()))
        }
        Command::Diff(args) => diff::run(&args, cli.color, style),
        Command::Rule(args) => rule::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Model(args) => model::run(&args, style),
    };
    outcome.into()
}

/// Colour when asked to, or on a terminal unless NO_COLOR is set.
fn style_for(choice: ColorChoice, terminal: bool) -> render::Style {
    match choice {
        ColorChoice::Always => render::Style::Colored,
        ColorChoice::Auto if terminal && std::env::var_os("NO_COLOR").is_none() => {
            render::Style::Colored
        }
        ColorChoice::Never | ColorChoice::Auto => render::Style::Plain,
    }
}

/// Reads and checks the policy files named on the command line, printing every diagnostic.
/// Returns the loaded policy, or how the run ended when there is none.
fn load_policy(paths: &[PathBuf], style: render::Style) -> Result<Loaded, Outcome> {
    let files = crate::input::policy_files(paths).map_err(|error| fail(&error))?;
    let loaded = crate::load(&files).map_err(|error| fail(&error))?;
    let diagnostics = &loaded.diagnostics;
    eprint!(
        "{}",
        render::render_all(&diagnostics.sorted(), &loaded.sources, style)
    );
    let errors = diagnostics.error_count();
    if errors > 0 {
        let noun = if errors == 1 { "error" } else { "errors" };
        eprintln!("egressc: {errors} {noun}; nothing was written");
    }
    match diagnostics.worst_error() {
        Some(CodeKind::InvalidInput) => Err(Outcome::Failed),
        Some(CodeKind::Mistake) => Err(Outcome::Refused),
        None => Ok(loaded),
    }
}

/// Writes a command's result to stdout. A closed pipe (`| head`) is the reader's choice, not
/// a failure.
fn write_stdout(text: &str) -> Outcome {
    write_stdout_with(|out| out.write_all(text.as_bytes()))
}

/// Writes to stdout through a large buffer (stdout itself flushes at every line break), and
/// ends the run as [`write_stdout`] does.
fn write_stdout_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Outcome {
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => Outcome::Success,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Success,
        Err(error) => fail(&format!("cannot write to stdout: {error}")),
    }
}

/// Lets go of a command's data without freeing it: the process ends right after, and the
/// operating system takes the memory back at once, where freeing tens of thousands of
/// resources one allocation at a time takes a noticeable part of a big run.
fn leave<T>(data: T) {
    std::mem::forget(data);
}

/// Prints an error that is not about the policy's content and ends the run with exit 2.
fn fail(error: &dyn std::fmt::Display) -> Outcome {
    let _ = writeln!(std::io::stderr(), "error: {error}");
    Outcome::Failed
}
