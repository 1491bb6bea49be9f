//! egressc compiles a KDL egress policy into the Istio resources that let traffic leave a mesh
//! safely, and refuses configurations known to break.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! input -> syntax -> lower -> merge -> validate -> compile -> render -> guard -> emit
//! files    KDL       policy   one      known       Istio      YAML      rules    files
//!                    model    policy   mistakes    resources  documents
//! ```
//!
//! [`target`] says what the target Istio release can do; [`templates`] renders the kinds a
//! platform overrides, and the guard judges what they wrote with everything else.
//!
//! Without templates the guard does not need the text: it judges the rules' model of each
//! compiled resource ([`guard::judge_compiled`]), and once it lets the build through, the
//! policy is compiled again and rendered and emitted a part at a time
//! ([`compile::compile_in_chunks`]). Compilation is deterministic, so what is written is
//! what was judged, and a big output's text is never held beside the rules' model.
//!
//! `check` judges manifests anyone wrote with the same rules ([`check`]):
//!
//! ```text
//! input -> manifest::read -> rules -> report
//! ```
//!
//! `diff` compares what `build` would write with deployed manifests ([`diff`]):
//!
//! ```text
//! build's documents ----------------------┐
//! input -> manifest::objects -> normalise -> pair -> compare -> diff::output
//! ```
//!
//! [`diagnostic`] carries what is wrong with the input through every stage, with spans from
//! [`source`]; [`cli`] wires the stages to commands.

pub mod check;
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod guard;
pub mod input;
pub mod istio;
pub mod lower;
pub mod manifest;
pub mod merge;
pub mod parallel;
pub mod policy;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod syntax;
pub mod target;
pub mod templates;
pub mod validate;

use std::path::PathBuf;

use diagnostic::Diagnostics;
use policy::Policy;
use source::Sources;

/// The result of reading and checking the policy files of one run.
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    /// The merged policy; `None` when the input could not be read as one.
    pub policy: Option<Policy>,
}

/// Reads, parses, lowers, merges and validates policy files, collecting every diagnostic.
///
/// Mistake checks run only on a policy that was read without input errors (mistakes already
/// spotted while reading do not stop them): on a partly read
/// policy they would report consequences of the errors (a port whose `addresses` line was
/// invalid has "no addresses") rather than real mistakes.
pub fn load(files: &[PathBuf]) -> Result<Loaded, input::InputError> {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let mut readable = Vec::new();
    for path in files {
        let bytes = input::read(path)?;
        let (text, bad_byte) = match syntax::decode(bytes) {
            Ok(text) => (text, None),
            Err((lossy, offset)) => (lossy, Some(offset)),
        };
        let id = sources.add(path.clone(), text);
        match bad_byte {
            Some(offset) => diagnostics.push(syntax::not_utf8(id, offset)),
            None => readable.push(id),
        }
    }
    let mut lowered = Vec::with_capacity(readable.len());
    for (file, file_diagnostics) in parse_and_lower(&sources, &readable) {
        lowered.extend(file);
        diagnostics.extend(file_diagnostics);
    }
    let policy = merge::merge(lowered, &mut diagnostics);
    if diagnostics.worst_error() == Some(diagnostic::CodeKind::InvalidInput) {
        return Ok(Loaded {
            sources,
            diagnostics,
            policy: None,
        });
    }
    validate::validate(&policy, &mut diagnostics);
    let policy = (!diagnostics.has_errors()).then_some(policy);
    Ok(Loaded {
        sources,
        diagnostics,
        policy,
    })
}

/// Parses and lowers each file on its own, on every core: KDL parsing is most of the time a
/// big policy takes to load, and files do not depend on each other until they are merged.
/// The results are in the order of `ids`.
fn parse_and_lower(
    sources: &Sources,
    ids: &[source::SourceId],
) -> Vec<(Option<lower::PolicyFile>, Diagnostics)> {
    let one = |&id: &source::SourceId| {
        let mut diagnostics = Diagnostics::default();
        let lowered = syntax::parse(id, &sources.get(id).text, &mut diagnostics)
            .map(|document| lower::lower(id, &document, &mut diagnostics));
        (lowered, diagnostics)
    };
    parallel::map(ids, one)
}
