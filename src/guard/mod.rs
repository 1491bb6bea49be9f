//! Guards `build`: runs every rule over the compiled resources, so egressc never emits a
//! configuration the rules know to be broken, and turns each finding into a diagnostic that
//! points at the policy declarations the resource came from.
//!
//! The rules judge the resources exactly as `check` would judge the written YAML: each
//! compiled resource is converted field by field into the manifest model `check` reads from
//! YAML ([`manifest_of`]; `tests/guard_conversion.rs` holds the two readings equal).

mod manifest;

pub use manifest::manifest_of;

use crate::compile::{self, Compiled};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::manifest::Manifest;
use crate::policy::Policy;
use crate::render::{self, Content, Origin, Rendered};
use crate::rules::{self, Index, Severities};
use crate::source::Span;

/// Judges the compiled resources as the native writer renders them.
pub fn guard(compiled: &[Compiled], severities: &Severities, diagnostics: &mut Diagnostics) {
    judge(
        &render::natively(compiled.to_vec()),
        severities,
        diagnostics,
    );
}

/// Judges rendered documents, natively written or from templates, reporting into
/// `diagnostics`. A finding on a template's document names the template and the host.
///
/// Returns the manifests the rules read. Freeing tens of thousands of them takes a
/// measurable part of a big build, so the caller decides when (the CLI lets the process
/// exit instead).
pub fn judge(
    rendered: &[Rendered],
    severities: &Severities,
    diagnostics: &mut Diagnostics,
) -> Vec<Manifest> {
    // Reading each document into the rules' model is independent work: on every core.
    let read = crate::parallel::map(rendered, |item| read(&item.document));
    let mut manifests = Vec::with_capacity(rendered.len());
    let mut causes = Vec::with_capacity(rendered.len());
    for (item, manifest) in rendered.iter().zip(read) {
        if let Some(manifest) = manifest {
            manifests.push(manifest);
            causes.push(Cause::of(item));
        }
    }
    let templates = template_paths(rendered.iter());
    judge_manifests(manifests, &causes, &templates, severities, diagnostics)
}

/// Judges what `build` writes natively for a policy: the rules' model of every resource,
/// made as each is compiled, `hosts_per_part` hosts at a time, so that neither the compiled
/// resources nor their text are held at once. `build` compiles the policy again to write
/// it once the rules let it: compilation is deterministic (`tests/examples.rs` holds the
/// two equal).
///
/// Returns the manifests the rules read, for the caller to let go of (see [`judge`]).
pub fn judge_compiled(
    policy: &Policy,
    options: compile::Options,
    hosts_per_part: usize,
    severities: &Severities,
    diagnostics: &mut Diagnostics,
) -> Vec<Manifest> {
    // Held while the rules run: `gather` makes the list no longer than it needs.
    let manifests = compile::gather(policy, options, hosts_per_part, |compiled| {
        manifest_of(&compiled.resource)
    });
    let findings = find(&manifests, severities);
    if findings.is_empty() {
        return manifests;
    }
    // Where each resource came from is needed only to point findings at the policy, which
    // the output of a valid policy seldom has: rather than hold it for every resource, it
    // is found by compiling once more, for the same resources in the same order.
    let origins = compile::gather(policy, options, hosts_per_part, |compiled| {
        manifest_of(&compiled.resource)
            .is_some()
            .then_some(compiled.origin)
    });
    let causes: Vec<Cause> = origins.iter().map(|spans| Cause::builtin(spans)).collect();
    report(findings, &manifests, &causes, "", diagnostics);
    manifests
}

/// A rendered document with the rules' model of it, for a caller that needs only the
/// document's text once the rules have judged it (`build`).
pub struct ReadDocument {
    pub rendered: Rendered,
    /// `None` for kinds the rules do not read, and once judged. Boxed: the rules need the
    /// manifests side by side, and moving each out of a box frees it as the next is made,
    /// where a slot in this struct would stay allocated for as long as the document.
    manifest: Option<Box<Manifest>>,
}

impl ReadDocument {
    /// Makes the rules' model of a document and lets go of its typed resource or value, so
    /// a big build never holds both forms of every resource at once. `build` does this as
    /// each resource is compiled and written.
    pub fn releasing(mut rendered: Rendered) -> ReadDocument {
        let manifest = read(&rendered.document).map(Box::new);
        rendered.document.release();
        ReadDocument { rendered, manifest }
    }
}

/// [`judge`] for documents read as they were made ([`ReadDocument::releasing`]).
pub fn judge_read(
    read: &mut [ReadDocument],
    severities: &Severities,
    diagnostics: &mut Diagnostics,
) -> Vec<Manifest> {
    let templates = template_paths(read.iter().map(|r| &r.rendered));
    let mut manifests = Vec::with_capacity(read.len());
    let mut causes = Vec::with_capacity(read.len());
    for ReadDocument { rendered, manifest } in read {
        if let Some(manifest) = manifest.take() {
            manifests.push(*manifest);
            causes.push(Cause::of(rendered));
        }
    }
    judge_manifests(manifests, &causes, &templates, severities, diagnostics)
}

/// The rules' model of one document; `None` for kinds the rules do not read.
fn read(document: &render::Document) -> Option<Manifest> {
    let read = match &document.content {
        Content::Resource(resource) => Ok(manifest_of(resource)),
        Content::Value(value) => crate::manifest::from_json(value),
        Content::Released => panic!("a released document is judged again"),
    };
    match read {
        Ok(manifest) => manifest,
        // Template output was read back through the same model before, so only a compile
        // bug gets here.
        Err(error) => panic!(
            "a compiled {} does not read back as a manifest: {error}",
            document.kind
        ),
    }
}

/// What a finding on a judged resource points at.
struct Cause<'a> {
    /// The policy declarations the resource came from.
    spans: &'a [Span],
    /// Who wrote its text, and the host a template wrote it for.
    writer: &'a Origin,
    host: Option<&'a str>,
    /// The first line of the template that wrote it, when a template did.
    template: Option<Span>,
}

impl<'a> Cause<'a> {
    fn of(rendered: &'a Rendered) -> Cause<'a> {
        Cause {
            spans: &rendered.origin,
            writer: &rendered.document.origin,
            host: rendered.document.host.as_deref(),
            template: rendered.template,
        }
    }

    /// A resource egressc's own writer writes.
    fn builtin(spans: &'a [Span]) -> Cause<'a> {
        const BUILTIN: &Origin = &Origin::Builtin;
        Cause {
            spans,
            writer: BUILTIN,
            host: None,
            template: None,
        }
    }
}

/// Runs the rules over the manifests, each made from the resource of the cause at the same
/// place in `causes`, and reports the findings against those causes.
fn judge_manifests(
    manifests: Vec<Manifest>,
    causes: &[Cause],
    templates: &str,
    severities: &Severities,
    diagnostics: &mut Diagnostics,
) -> Vec<Manifest> {
    let findings = find(&manifests, severities);
    report(findings, &manifests, causes, templates, diagnostics);
    manifests
}

/// The rules' findings on the manifests, at the severities asked for.
fn find(manifests: &[Manifest], severities: &Severities) -> Vec<rules::Finding> {
    let index = Index::new(manifests, "default", None);
    rules::run(&index, severities)
}

/// Reports each finding as a diagnostic pointing at the causes of the resources it names
/// (`causes` holds each manifest's, at the same place).
fn report(
    findings: Vec<rules::Finding>,
    manifests: &[Manifest],
    causes: &[Cause],
    templates: &str,
    diagnostics: &mut Diagnostics,
) {
    for finding in findings {
        let resource = &manifests[finding.resource].id;
        let cause = &causes[finding.resource];
        let written_by = match (cause.writer, cause.host) {
            (Origin::Builtin, _) => String::new(),
            (Origin::Template(path), Some(host)) => {
                format!(", written by template `{path}` for host `{host}`")
            }
            (Origin::Template(path), None) => format!(", written by template `{path}`"),
        };
        let mut diagnostic = Diagnostic::new(
            finding.code,
            finding.severity,
            format!(
                "{} (in the generated {resource}{written_by})",
                finding.message
            ),
        );
        let origin = cause.spans;
        if let Some(&span) = origin.first() {
            diagnostic = diagnostic.primary(span, format!("produces {resource}"));
        }
        if let Some(template) = cause.template {
            diagnostic = diagnostic.secondary(template, format!("this template writes {resource}"));
        }
        for &related in &finding.related {
            if let Some(&span) = causes[related].spans.first()
                && origin.first() != Some(&span)
            {
                diagnostic =
                    diagnostic.secondary(span, format!("produces {}", manifests[related].id));
            }
        }
        let mut help = finding.help.map_or_else(
            || format!("`egressc rule {}` explains the rule", finding.code.id),
            |help| {
                format!(
                    "{help}\n(`egressc rule {}` explains the rule)",
                    finding.code.id
                )
            },
        );
        // egressc's own resource can break because a template changed what it refers to (a
        // renamed Gateway): name the templates, since the finding cannot point at them.
        if cause.template.is_none() && !templates.is_empty() {
            help.push_str("\nthis build's templates may have changed what it refers to: ");
            help.push_str(templates);
        }
        diagnostics.push(diagnostic.help(help));
    }
}

/// The templates that wrote documents of this build, as a list for a message.
fn template_paths<'a>(rendered: impl Iterator<Item = &'a Rendered>) -> String {
    let mut paths: Vec<&str> = rendered
        .filter_map(|item| match &item.document.origin {
            Origin::Template(path) => Some(path.as_str()),
            Origin::Builtin => None,
        })
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let listed: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
    listed.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Severity, codes};
    use crate::istio::{
        ClientTls, DestinationRuleSpec, NETWORKING_V1, Object, ObjectMeta, Resource,
        ServiceEntrySpec, ServicePort, TrafficPolicy,
    };
    use crate::rules::Level;
    use crate::source::{Sources, Span};

    /// A ServiceEntry declaring 443 HTTPS and a DestinationRule originating TLS toward it,
    /// as a compile bug could produce: the guard must refuse it at the policy line.
    fn double_tls(sources: &mut Sources) -> (Vec<Compiled>, Span) {
        let id = sources.add(
            "policy.kdl",
            "version 1\nhost \"httpbin.org\" {}\n".to_owned(),
        );
        let span = Span::new(id, 10, 28);
        let meta = |name: &str| ObjectMeta {
            name: name.to_owned(),
            namespace: Some("istio-egress".to_owned()),
            ..ObjectMeta::default()
        };
        let entry = Resource::ServiceEntry(Object::new(
            NETWORKING_V1,
            "ServiceEntry",
            meta("httpbin-org"),
            ServiceEntrySpec {
                hosts: vec!["httpbin.org".to_owned()],
                ports: vec![ServicePort {
                    number: 443,
                    name: "https".to_owned(),
                    protocol: "HTTPS".to_owned(),
                    target_port: None,
                }],
                resolution: Some("DNS".to_owned()),
                ..ServiceEntrySpec::default()
            },
        ));
        let rule = Resource::DestinationRule(Object::new(
            NETWORKING_V1,
            "DestinationRule",
            meta("originate"),
            DestinationRuleSpec {
                host: "httpbin.org".to_owned(),
                traffic_policy: Some(TrafficPolicy {
                    port_level_settings: vec![crate::istio::PortTrafficPolicy {
                        port: crate::istio::PortSelector { number: 443 },
                        tls: ClientTls {
                            mode: "SIMPLE".to_owned(),
                            ca_certificates: Some("/ca.pem".to_owned()),
                            subject_alt_names: vec!["httpbin.org".to_owned()],
                            sni: Some("httpbin.org".to_owned()),
                        },
                    }],
                }),
                ..DestinationRuleSpec::default()
            },
        ));
        let compiled = [entry, rule]
            .into_iter()
            .map(|resource| Compiled {
                resource,
                origin: vec![span],
                host: Some("httpbin.org".to_owned()),
            })
            .collect();
        (compiled, span)
    }

    #[test]
    fn a_rule_that_fires_on_compiled_output_points_at_the_policy() {
        let mut sources = Sources::default();
        let (compiled, span) = double_tls(&mut sources);
        let mut diagnostics = Diagnostics::default();
        guard(&compiled, &Severities::default(), &mut diagnostics);
        let found: Vec<_> = diagnostics.iter().collect();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].code, codes::TLS_INSIDE_TLS);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].primary_span(), Some(span));
        assert!(
            found[0]
                .message
                .contains("DestinationRule istio-egress/originate")
        );
    }

    #[test]
    fn overrides_apply_to_the_guard() {
        let mut sources = Sources::default();
        let (compiled, _) = double_tls(&mut sources);
        let mut severities = Severities::default();
        severities.set("tls-inside-tls", Level::Warn).unwrap();
        let mut diagnostics = Diagnostics::default();
        guard(&compiled, &severities, &mut diagnostics);
        assert!(!diagnostics.has_errors());
        severities.set("M001", Level::Allow).unwrap();
        let mut diagnostics = Diagnostics::default();
        guard(&compiled, &severities, &mut diagnostics);
        assert!(diagnostics.is_empty());
    }
}
