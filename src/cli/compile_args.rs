//! What `build` and `diff` share: the options that decide what a policy compiles to, and
//! the run from policy files to guarded, rendered documents. `diff` compares exactly what
//! `build` would write, so both go through this one path.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::check::SeverityArgs;
use super::{Outcome, fail, leave, load_policy};
use crate::Loaded;
use crate::compile::{self, MeshConfigFormat};
use crate::diagnostic::render::{self as render_diagnostics, Style};
use crate::diagnostic::{CodeKind, Diagnostics};
use crate::guard::{self, ReadDocument};
use crate::manifest::Manifest;
use crate::policy::{Policy, RuleLevel};
use crate::render::{Document, Rendered};
use crate::rules::{Level, Severities};
use crate::source::Sources;
use crate::target::{self, IstioVersion};
use crate::templates::TemplateSet;

/// Options that decide what the policy compiles to.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// How to write the mesh-wide settings (outbound traffic policy, egress gateway).
    #[arg(long, value_name = "FORMAT", default_value = "istio-operator")]
    mesh_config: MeshConfigArg,

    /// The Istio release the output is for (`1.MINOR`): Istio's `v1` APIs from 1.22,
    /// `v1beta1` before (`v1alpha1` for Telemetry); a policy needing a feature the release
    /// lacks is refused.
    #[arg(long, value_name = "VERSION", default_value_t = IstioVersion::DEFAULT)]
    istio_version: IstioVersion,

    /// Render with the platform templates in DIR: a file named like a built-in template
    /// replaces it, `host-*.yaml.j2` and `policy-*.yaml.j2` add resources (see
    /// docs/templates.md; `egressc init --templates` copies the built-ins out).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,

    /// Severity overrides for the rules that judge the output; they override the policy's
    /// `rules` block.
    #[command(flatten)]
    severities: SeverityArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MeshConfigArg {
    /// An IstioOperator overlay, for `istioctl install -f` (left out of kustomization.yaml).
    IstioOperator,
    /// Values for the istiod Helm chart (`meshConfig:`); the egress gateway is its own
    /// `gateway` chart release. Only in a directory layout (not a Kubernetes object).
    HelmValues,
    /// The `istio` ConfigMap in istio-system, MeshConfig under its `mesh` key.
    Configmap,
    /// Leave mesh config out, for platforms that manage it elsewhere.
    None,
}

impl CompileArgs {
    /// Whether the output holds a document that is no Kubernetes object (chart values),
    /// which a stream for `kubectl apply` cannot carry.
    pub fn writes_chart_values(&self) -> bool {
        matches!(self.mesh_config, MeshConfigArg::HelmValues)
    }
}

/// What a successful run produced: the policy, judged, and the way to its documents.
pub struct Built {
    loaded: Loaded,
    documents: Documents,
    /// The resources as the rules read them, kept to be let go of with the rest.
    judged: Vec<Manifest>,
}

/// Where a build's documents come from.
enum Documents<T = Document> {
    /// Written natively: compiled once more, a part at a time, when they are used.
    Compiled(compile::Options),
    /// Rendered by templates, held since.
    Rendered(Vec<T>),
}

/// Hosts compiled as one part of a native build, both when it is modelled for the rules and
/// when it is written: enough for every core to have work, few enough that one part's
/// resources and text are a small part of the whole.
const HOSTS_PER_PART: usize = 2048;

impl Built {
    /// Frees the rules' model on a thread of its own while the documents are written,
    /// instead of leaving it to the end of the process, so that writing reuses its memory.
    /// For `-o`, whose writing holds every file's path and description (for the
    /// kustomization and for naming clashes): with the model held, `-o` of 100,000 hosts
    /// peaked at 720 MiB, about 625 MiB without. A stream peaks while the rules run, and the
    /// freeing's CPU time (about 45 ms at 10,000 hosts) would compete with its writing.
    #[must_use]
    pub fn freeing_model_while_writing(mut self) -> Built {
        let judged = std::mem::take(&mut self.judged);
        std::thread::spawn(move || drop(judged));
        self
    }

    /// Hands the documents `build` writes to `write`, in order, a part at a time. A native
    /// build compiles and renders them again here: the rules judged the same resources
    /// (compilation is deterministic), and a big output's text is never held whole beside
    /// the rules' model. Stops at the first error of `write`.
    pub fn write_in_parts<E>(
        self,
        mut write: impl FnMut(Vec<Document>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Built {
            loaded,
            documents,
            judged,
        } = self;
        // The rules are done with their model; the process ends soon and lets it go.
        leave(judged);
        let written = match documents {
            Documents::Rendered(documents) => write(documents),
            Documents::Compiled(options) => compile::compile_in_chunks(
                loaded.policy.as_ref().expect("a policy loaded"),
                options,
                HOSTS_PER_PART,
                |compiled| {
                    // Only the text is written: the typed resource goes on the thread
                    // that wrote it.
                    let mut document = Document::from_resource(compiled.resource, compiled.host);
                    document.release();
                    document
                },
                write,
            ),
        };
        leave(loaded);
        written
    }
}

/// Loads, compiles, renders and guards the policy files, printing every diagnostic. Returns
/// the judged build, or how the run ended (1 when a rule refuses it, 2 for invalid input,
/// templates included).
pub fn compile_policy(
    policies: &[PathBuf],
    args: &CompileArgs,
    style: Style,
) -> Result<Built, Outcome> {
    let mut prepared = prepare(policies, args, style)?;
    if let Some(rendered) = prepared.render_with_templates(args.istio_version) {
        stop_on_errors(&prepared.diagnostics, &prepared.loaded.sources, style)?;
        // `build` needs only each document's text once the rules' model of it is made.
        let mut read = crate::parallel::map_owned(rendered, ReadDocument::releasing);
        let judged = guard::judge_read(&mut read, &prepared.severities, &mut prepared.diagnostics);
        report_judgement(&prepared.diagnostics, &prepared.loaded, style)?;
        return Ok(Built {
            loaded: prepared.loaded,
            documents: Documents::Rendered(read.into_iter().map(|r| r.rendered.document).collect()),
            judged,
        });
    }
    // Each resource is made into the rules' model as soon as it is compiled, and let go of:
    // it is compiled again to be written once the rules let it.
    let judged = guard::judge_compiled(
        prepared.loaded.policy.as_ref().expect("a policy loaded"),
        prepared.options,
        HOSTS_PER_PART,
        &prepared.severities,
        &mut prepared.diagnostics,
    );
    report_judgement(&prepared.diagnostics, &prepared.loaded, style)?;
    Ok(Built {
        loaded: prepared.loaded,
        documents: Documents::Compiled(prepared.options),
        judged,
    })
}

/// What `build` would write, not judged yet, and what judging it needs: `diff` judges it
/// while it reads the deployed files, and compares it then.
pub struct Unguarded {
    pub loaded: Loaded,
    documents: Documents<Rendered>,
    severities: Severities,
    /// Warnings so far (errors have ended the run).
    pub diagnostics: Diagnostics,
}

impl Unguarded {
    /// Judges what `build` would write, as `build` does, reporting into `diagnostics`.
    /// Returns the manifests the rules read (see [`guard::judge`]).
    pub fn judge(&self, diagnostics: &mut Diagnostics) -> Vec<Manifest> {
        match &self.documents {
            Documents::Rendered(rendered) => guard::judge(rendered, &self.severities, diagnostics),
            Documents::Compiled(options) => guard::judge_compiled(
                self.loaded.policy.as_ref().expect("a policy loaded"),
                *options,
                HOSTS_PER_PART,
                &self.severities,
                diagnostics,
            ),
        }
    }

    /// What `each` makes of every document `build` would write, in order, made on every
    /// core. Native documents are compiled again here, a part at a time as `build` writes
    /// them, and each is let go of as soon as `each` returns: a big policy's typed
    /// resources and text are never held whole.
    pub fn each_document<R: Send>(&self, each: impl Fn(&Document) -> R + Sync) -> Vec<R> {
        match &self.documents {
            Documents::Rendered(rendered) => {
                crate::parallel::map(rendered, |rendered| each(&rendered.document))
            }
            Documents::Compiled(options) => compile::gather(
                self.loaded.policy.as_ref().expect("a policy loaded"),
                *options,
                HOSTS_PER_PART,
                |compiled| {
                    [each(&Document::from_resource(
                        compiled.resource,
                        compiled.host,
                    ))]
                },
            ),
        }
    }
}

/// Loads the policy files, and renders them when templates are given, printing the
/// diagnostics that end the run. The caller must judge the result ([`Unguarded::judge`])
/// before trusting it (`diff` does so while it reads the deployed files) and then
/// [`report_judgement`].
pub fn compile_unguarded(
    policies: &[PathBuf],
    args: &CompileArgs,
    style: Style,
) -> Result<Unguarded, Outcome> {
    let mut prepared = prepare(policies, args, style)?;
    let documents = match prepared.render_with_templates(args.istio_version) {
        Some(rendered) => {
            stop_on_errors(&prepared.diagnostics, &prepared.loaded.sources, style)?;
            Documents::Rendered(rendered)
        }
        None => Documents::Compiled(prepared.options),
    };
    Ok(Unguarded {
        loaded: prepared.loaded,
        documents,
        severities: prepared.severities,
        diagnostics: prepared.diagnostics,
    })
}

/// A loaded policy and everything compiling it needs, its input errors reported.
struct Prepared {
    loaded: Loaded,
    templates: Option<TemplateSet>,
    options: compile::Options,
    severities: Severities,
    /// Warnings so far.
    diagnostics: Diagnostics,
}

impl Prepared {
    /// Every resource compiled and rendered by the templates, or `None` without templates
    /// (natively written documents are compiled a part at a time where they are used);
    /// template errors go to the diagnostics.
    fn render_with_templates(&mut self, istio: IstioVersion) -> Option<Vec<Rendered>> {
        let templates = self.templates.as_ref()?;
        let policy = self.loaded.policy.as_ref().expect("a policy loaded");
        let compiled = compile::compile(policy, self.options);
        Some(templates.render(
            policy,
            &compiled,
            istio,
            &self.loaded.sources,
            &mut self.diagnostics,
        ))
    }
}

/// Loads the policy files and the templates and reads the options, printing the
/// diagnostics that end the run.
fn prepare(policies: &[PathBuf], args: &CompileArgs, style: Style) -> Result<Prepared, Outcome> {
    let mut loaded = load_policy(policies, style)?;
    let policy = loaded
        .policy
        .as_ref()
        .expect("a policy loaded without errors");
    let mut diagnostics = Diagnostics::default();
    target::check(policy, args.istio_version, &mut diagnostics);
    let templates = match &args.templates {
        Some(dir) => Some(
            TemplateSet::load(dir, &mut loaded.sources, &mut diagnostics)
                .map_err(|error| fail(&error))?,
        ),
        None => None,
    };
    stop_on_errors(&diagnostics, &loaded.sources, style)?;
    let options = compile::Options {
        mesh_config: match args.mesh_config {
            MeshConfigArg::IstioOperator => MeshConfigFormat::IstioOperator,
            MeshConfigArg::HelmValues => MeshConfigFormat::HelmValues,
            MeshConfigArg::Configmap => MeshConfigFormat::ConfigMap,
            MeshConfigArg::None => MeshConfigFormat::None,
        },
        istio: args.istio_version,
    };
    let severities = policy_severities(policy).and_then(|base| args.severities.apply(base))?;
    Ok(Prepared {
        loaded,
        templates,
        options,
        severities,
        diagnostics,
    })
}

/// Prints the diagnostics; `Err` (exit 1) when a rule refused the output.
pub fn report_judgement(
    diagnostics: &Diagnostics,
    loaded: &Loaded,
    style: Style,
) -> Result<(), Outcome> {
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
    Ok(())
}

/// Prints the diagnostics and ends the run when any is an error (input errors: exit 2).
fn stop_on_errors(
    diagnostics: &Diagnostics,
    sources: &Sources,
    style: Style,
) -> Result<(), Outcome> {
    if !diagnostics.has_errors() {
        return Ok(());
    }
    eprint!(
        "{}",
        render_diagnostics::render_all(&diagnostics.sorted(), sources, style)
    );
    let errors = diagnostics.error_count();
    let noun = if errors == 1 { "error" } else { "errors" };
    eprintln!("egressc: {errors} {noun}; nothing was written");
    Err(match diagnostics.worst_error() {
        Some(CodeKind::Mistake) => Outcome::Refused,
        _ => Outcome::Failed,
    })
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
