//! Platform templates (`--templates DIR`): minijinja templates that shape the output's text,
//! and the extra resources they add per host or per policy.
//!
//! This module owns loading a template directory, rendering the overridden and extra
//! templates, and reading their output back into documents ([`output`]). It never decides
//! whether the output is correct: the guard judges those documents with every rule, like any
//! other. Kinds whose built-in template is not overridden are not rendered here at all: the
//! native writer produces the same bytes ([`builtin`]), much faster.
//!
//! Templates are sandboxed: no loader, so no file is read after loading; no function reads
//! the environment; undefined variables are errors; a render runs at most
//! [`FUEL_PER_RENDER`] instructions. Errors point at the template file and
//! line like any diagnostic, because each template is added to the run's [`Sources`].

pub mod builtin;
mod context;
mod diagnostics;
mod filters;
mod output;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::compile::Compiled;
use crate::diagnostic::Diagnostics;
use crate::policy::Policy;
use crate::render::{self, Document, Rendered};
use crate::source::{SourceId, Sources, Span};
use crate::target::IstioVersion;
use builtin::{BUILTINS, Scope};
pub use context::Shared as Context;
use diagnostics::{report_duplicates, template_error, unknown_template};

/// A loaded template directory (or none: the built-ins alone).
pub struct TemplateSet {
    env: Environment<'static>,
    /// Templates that failed in this run: reported once, not once a host.
    failed: RefCell<HashSet<String>>,
    /// The templates read from the directory, by name: where each came from.
    files: BTreeMap<String, TemplateFile>,
}

struct TemplateFile {
    path: String,
    source: SourceId,
    scope: Option<Scope>,
}

/// Instructions one template render may run (minijinja's fuel).
pub const FUEL_PER_RENDER: u64 = 10_000_000;

/// An environment with the built-in templates, the `yaml` filter, strict undefined
/// variables, no auto-escaping, and the block whitespace rules YAML templates need.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.add_filter("yaml", filters::yaml);
    // A template is code run by every build, in CI too: a runaway loop must end in an error,
    // not a hung pipeline. Ten million instructions a render is far beyond what a template
    // for 100,000 hosts needs.
    env.set_fuel(Some(FUEL_PER_RENDER));
    for template in BUILTINS {
        env.add_template(template.name, template.source)
            .expect("built-in templates compile");
    }
    env
}

impl TemplateSet {
    /// The built-in templates only.
    pub fn builtin() -> TemplateSet {
        TemplateSet {
            env: environment(),
            failed: RefCell::default(),
            files: BTreeMap::new(),
        }
    }

    /// Reads every template of `dir`, adding them to `sources` for diagnostics. Files that
    /// are no template egressc knows, and templates that do not parse, are reported.
    pub fn load(
        dir: &Path,
        sources: &mut Sources,
        diagnostics: &mut Diagnostics,
    ) -> Result<TemplateSet, String> {
        let mut set = TemplateSet::builtin();
        let entries = std::fs::read_dir(dir)
            .map_err(|error| format!("cannot read templates `{}`: {error}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .filter(|path| {
                !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let scope = builtin::extra_scope(&name);
            if scope.is_none() && !builtin::is_builtin(&name) {
                diagnostics.push(unknown_template(&path));
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
            let source = sources.add(path.clone(), text.clone());
            let display = path.display().to_string();
            if let Err(error) = set.env.add_template_owned(name.clone(), text) {
                diagnostics.push(template_error(&error, sources, source, &display, None));
                continue;
            }
            set.files.insert(
                name,
                TemplateFile {
                    path: display,
                    source,
                    scope,
                },
            );
        }
        Ok(set)
    }

    /// Renders one template with a context, as text. For tests and `init`.
    pub fn render_text(
        &self,
        name: &str,
        context: &minijinja::Value,
    ) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }

    /// Every document of the build: resources of kinds not overridden written natively, the
    /// rest and the extras rendered by their templates and read back. Problems with a
    /// template or its output are reported into `diagnostics`.
    pub fn render(
        &self,
        policy: &Policy,
        compiled: &[Compiled],
        istio: IstioVersion,
        sources: &Sources,
        diagnostics: &mut Diagnostics,
    ) -> Vec<Rendered> {
        let context = Context::new(policy, istio);
        let mut out = Vec::with_capacity(compiled.len());
        let mut start = 0;
        while start < compiled.len() {
            // A host's resources are contiguous in compile order.
            let host = compiled[start].host.as_deref();
            let end = start
                + compiled[start..]
                    .iter()
                    .take_while(|c| c.host.as_deref() == host)
                    .count();
            let group: Vec<&Compiled> = compiled[start..end].iter().collect();
            self.render_group(&group, &context, sources, diagnostics, &mut out);
            start = end;
        }
        let policy_context = context.for_policy(compiled);
        let origin: Vec<Span> = policy.mesh.declared_at.into_iter().collect();
        for name in self.extras(Scope::PerPolicy) {
            let job = Job {
                name,
                host: None,
                origin: &origin,
            };
            out.extend(self.run(&job, &policy_context, sources, diagnostics));
        }
        report_duplicates(&out, diagnostics);
        out
    }

    /// The resources of one host (or the mesh-wide ones), then the host's extras.
    fn render_group(
        &self,
        group: &[&Compiled],
        context: &Context,
        sources: &Sources,
        diagnostics: &mut Diagnostics,
        out: &mut Vec<Rendered>,
    ) {
        let host = group[0].host.as_deref();
        for item in group {
            let name = builtin::template_for(&item.resource);
            if self.files.contains_key(name) {
                let job = Job {
                    name,
                    host,
                    origin: &item.origin,
                };
                out.extend(self.run(&job, &context.for_resource(item), sources, diagnostics));
            } else {
                out.push(Rendered {
                    document: render::native(item),
                    origin: item.origin.clone(),
                    template: None,
                });
            }
        }
        let Some(host) = host else {
            return;
        };
        let host_context = context.for_host(host, group);
        for name in self.extras(Scope::PerHost) {
            let job = Job {
                name,
                host: Some(host),
                origin: &group[0].origin,
            };
            out.extend(self.run(&job, &host_context, sources, diagnostics));
        }
    }

    fn extras(&self, scope: Scope) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter(move |(_, file)| file.scope == Some(scope))
            .map(|(name, _)| name.as_str())
    }

    /// Renders one template and reads its output back into documents.
    fn run(
        &self,
        job: &Job,
        context: &minijinja::Value,
        sources: &Sources,
        diagnostics: &mut Diagnostics,
    ) -> Vec<Rendered> {
        let file = &self.files[job.name];
        if self.failed.borrow().contains(job.name) {
            return Vec::new();
        }
        let fail = || self.failed.borrow_mut().insert(job.name.to_owned());
        let text = match self.render_text(job.name, context) {
            Ok(text) => text,
            Err(error) => {
                fail();
                let source = self.source_of(&error).unwrap_or(file.source);
                diagnostics.push(template_error(
                    &error, sources, source, &file.path, job.host,
                ));
                return Vec::new();
            }
        };
        let first_line = sources.get(file.source).line_range(1);
        let template_span = Span::new(file.source, first_line.start, first_line.end);
        match output::read(&text, job.name == "istiod-values.yaml.j2") {
            Ok(values) => values
                .into_iter()
                .map(|value| Rendered {
                    document: Document::from_value(
                        value,
                        job.host.map(str::to_owned),
                        render::Origin::Template(file.path.clone()),
                    ),
                    origin: job.origin.to_vec(),
                    template: Some(template_span),
                })
                .collect(),
            Err(problem) => {
                fail();
                diagnostics.push(output::diagnostic(
                    &problem,
                    &file.path,
                    job.host,
                    template_span,
                ));
                Vec::new()
            }
        }
    }

    /// The source of the template an error happened in (an included partial, say).
    fn source_of(&self, error: &minijinja::Error) -> Option<SourceId> {
        self.files.get(error.name()?).map(|f| f.source)
    }
}

/// One template to render: its name, the host it renders for, and the policy lines behind it.
struct Job<'a> {
    name: &'a str,
    host: Option<&'a str>,
    origin: &'a [Span],
}
