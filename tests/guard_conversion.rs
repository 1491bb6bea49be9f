//! The guard converts compiled resources into the rules' model field by field
//! (`egressc::guard::manifest_of`) instead of through their written form. This test holds it
//! to the written form: for every resource that every example, the security fixture and the
//! benchmark's synthetic policy compile to, in every mesh config form and both API versions,
//! the conversion must equal what `check` reads from the resource's JSON.

use std::path::{Path, PathBuf};

use egressc::compile::{self, MeshConfigFormat};
use egressc::target::IstioVersion;

mod support;

// Only the policy generator is used here.
#[allow(dead_code)]
#[path = "../bench/synthetic.rs"]
mod synthetic;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Each example, the security fixture (per-namespace outbound policy, NetworkPolicies) and
/// the benchmark's policy.
fn policies() -> Vec<PathBuf> {
    let mut found = support::examples::all();
    found.push(root().join("tests/fixtures/built/security-boundary.kdl"));
    found.push(synthetic_policy());
    found
}

/// The benchmark's generator at 300 hosts: every host shape the benchmark times.
fn synthetic_policy() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guard-conversion-policy");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in synthetic::policy_files(300) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn the_conversion_reads_every_compiled_resource_as_check_reads_its_json() {
    let mut compared = 0;
    for policy_path in policies() {
        let files = egressc::input::policy_files(std::slice::from_ref(&policy_path)).unwrap();
        let policy = egressc::load(&files)
            .unwrap()
            .policy
            .expect("the policy loads");
        for mesh_config in [
            MeshConfigFormat::IstioOperator,
            MeshConfigFormat::ConfigMap,
            MeshConfigFormat::HelmValues,
        ] {
            for istio in [IstioVersion::DEFAULT, IstioVersion { minor: 21 }] {
                let options = compile::Options { mesh_config, istio };
                for item in compile::compile(&policy, options) {
                    let json = serde_json::to_value(&item.resource).unwrap();
                    let expected = egressc::manifest::from_json(&json).unwrap();
                    let converted = egressc::guard::manifest_of(&item.resource);
                    assert_eq!(
                        format!("{converted:#?}"),
                        format!("{expected:#?}"),
                        "{} {} from {}",
                        item.resource.kind(),
                        item.resource.metadata().map_or("", |m| &m.name),
                        policy_path.display()
                    );
                    compared += usize::from(expected.is_some());
                }
            }
        }
    }
    assert!(compared > 1000, "only {compared} resources compared");
}
