//! Templates: the built-in templates render exactly what the native writer writes; the
//! example platform template set is snapshotted; every template's output is judged by the
//! rules; template errors are reported as users see them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use egressc::compile::{self, MeshConfigFormat};
use egressc::render;
use egressc::target::IstioVersion;
use egressc::templates::{Context, TemplateSet, builtin};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn egressc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("egressc runs")
}

/// The native writer is the fast path for kinds nobody overrides, so it must write exactly
/// what the built-in templates would: for every example, every mesh config form and both
/// API versions, byte for byte.
#[test]
fn builtin_templates_render_exactly_what_the_native_writer_writes() {
    let templates = TemplateSet::builtin();
    let mut checked = 0;
    for example in support::examples::all() {
        let files = egressc::input::policy_files(std::slice::from_ref(&example)).unwrap();
        let loaded = egressc::load(&files).unwrap();
        let policy = loaded.policy.expect("examples load");
        for mesh_config in [
            MeshConfigFormat::IstioOperator,
            MeshConfigFormat::ConfigMap,
            MeshConfigFormat::HelmValues,
        ] {
            for istio in [IstioVersion::DEFAULT, IstioVersion { minor: 21 }] {
                let options = compile::Options { mesh_config, istio };
                let compiled = compile::compile(&policy, options);
                let context = Context::new(&policy, istio);
                for item in &compiled {
                    let name = builtin::template_for(&item.resource);
                    let text = templates
                        .render_text(name, &context.for_resource(item))
                        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
                    assert_eq!(
                        text,
                        render::native(item).yaml,
                        "{} in {}",
                        name,
                        example.display()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "{checked} resources checked");
}

fn build(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["build", "--color", "never"];
    all.extend_from_slice(args);
    let output = egressc(&all);
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Overriding a template with a copy of the built-in changes nothing.
#[test]
fn copies_of_the_builtins_change_nothing() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("builtin-copies");
    let _ = std::fs::remove_dir_all(&dir);
    let init = egressc(&["init", "--templates", dir.to_str().unwrap()]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let copies = dir.join("templates");
    let (code, templated, stderr) = build(&[
        "examples/egress.kdl",
        "--templates",
        copies.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (_, native, _) = build(&["examples/egress.kdl"]);
    assert_eq!(templated, native);
}

/// A template that writes one of three known mistakes is refused (exit 1), naming the
/// template and the rule; template errors (exit 2) point at the template line. Each case is
/// a template directory under tests/fixtures/templates/, snapshotted as users see it.
#[test]
fn template_fixtures_are_refused_as_snapshotted() {
    let fixtures = root().join("tests/fixtures/templates");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let relative = case
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let (code, stdout, stderr) = build(&[
            "examples/egress-gateway-https-passthrough.kdl",
            "--templates",
            &relative,
        ]);
        assert!(stdout.is_empty(), "{name} wrote output");
        assert!(
            stderr.contains(&relative),
            "{name} does not name the template:\n{stderr}"
        );
        if name.starts_with("guard-") {
            assert_eq!(code, 1, "{name}:\n{stderr}");
        } else {
            assert_eq!(code, 2, "{name}:\n{stderr}");
        }
        insta::assert_snapshot!(name, format!("exit {code}\n{stderr}"));
    }
}

/// The example platform set: team labels, a naming convention, Argo CD sync waves and one
/// extra resource a host. Its output is snapshotted, every Istio resource in it validates
/// against the CRDs, and `check` finds nothing in it.
#[test]
fn the_example_platform_templates() {
    let (code, yaml, stderr) = build(&["examples/egress.kdl", "--templates", "examples/templates"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    insta::assert_snapshot!("platform_templates", yaml);
    support::pyyaml::assert_reads_like_serde_yaml(&yaml);
    let schemas = support::crd_schema::CrdSchemas::shared();
    let documents: Vec<serde_json::Value> = yaml
        .split("---\n")
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    let mut istio = 0;
    for document in &documents {
        let api_version = document["apiVersion"].as_str().unwrap();
        if api_version.starts_with("networking.istio.io/") {
            schemas.validate(document).unwrap();
            istio += 1;
        }
        let annotations = &document["metadata"]["annotations"];
        if document["kind"] != "IstioOperator" {
            assert!(
                annotations["argocd.argoproj.io/sync-wave"].is_string(),
                "{document}"
            );
        }
    }
    assert!(istio >= 20);
    let extras = documents
        .iter()
        .filter(|d| d["kind"] == "PrometheusRule")
        .count();
    assert_eq!(extras, 6, "one PrometheusRule a host");
    let inventories = documents
        .iter()
        .filter(|d| d["kind"] == "ConfigMap")
        .count();
    assert_eq!(inventories, 1, "one inventory a policy");
    let checked = Command::new(env!("CARGO_BIN_EXE_egressc"))
        .args(["check", "--color", "never", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(yaml.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&checked.stdout).trim(),
        "egressc: no findings"
    );
}

/// `init` writes a policy that builds cleanly, and refuses to overwrite anything.
#[test]
fn init_scaffolds_a_policy_that_builds() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("init-scaffold");
    let _ = std::fs::remove_dir_all(&dir);
    let init = egressc(&["init", dir.to_str().unwrap()]);
    assert!(init.status.success());
    assert!(!dir.join("templates").exists());
    let policy = dir.join("egress.kdl");
    let (code, yaml, stderr) = build(&[policy.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(yaml.contains("kind: ServiceEntry"));
    let again = egressc(&["init", dir.to_str().unwrap(), "--templates"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(!dir.join("templates").exists(), "nothing half-written");
}

/// docs/templates.md lists every variable a template sees: each top-level variable, each key
/// of `host` and of `mesh`, in every kind of template.
#[test]
fn every_context_variable_is_documented() {
    let docs = std::fs::read_to_string(root().join("docs/templates.md")).unwrap();
    let files = egressc::input::policy_files(&[root().join("examples/egress.kdl")]).unwrap();
    let policy = egressc::load(&files).unwrap().policy.unwrap();
    let compiled = compile::compile(&policy, compile::Options::default());
    let context = Context::new(&policy, IstioVersion::DEFAULT);
    let host = compiled.iter().find(|c| c.host.is_some()).unwrap();
    let group = [host];
    let contexts = [
        context.for_resource(host),
        context.for_host(host.host.as_deref().unwrap(), &group),
        context.for_policy(&compiled),
    ];
    let mut keys: Vec<String> = Vec::new();
    for value in &contexts {
        for key in value.try_iter().unwrap() {
            let name = key.as_str().unwrap().to_owned();
            if name == "host" || name == "mesh" {
                let nested = value.get_attr(&name).unwrap();
                let nested = if nested.is_none() {
                    contexts[0].get_attr(&name).unwrap()
                } else {
                    nested
                };
                for inner in nested.try_iter().unwrap() {
                    keys.push(inner.as_str().unwrap().to_owned());
                }
            }
            keys.push(name);
        }
    }
    keys.sort();
    keys.dedup();
    let undocumented: Vec<&String> = keys
        .iter()
        .filter(|key| !docs.contains(&format!("`{key}`")) && !docs.contains(&format!("`{key}.")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/templates.md: {undocumented:?}"
    );
    assert!(keys.len() > 20, "{keys:?}");
}
