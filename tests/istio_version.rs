//! `--istio-version`: the API version of the networking resources switches at 1.22, and a
//! policy needing a feature the target lacks is refused at the policy line, naming the
//! release that brings it.

mod support;

use std::process::{Command, Output};

fn egressc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("egressc runs")
}

fn api_versions(version: &str) -> Vec<String> {
    let output = egressc(&[
        "build",
        "examples/egress-gateway-http.kdl",
        "--mesh-config",
        "none",
        "--istio-version",
        version,
    ]);
    assert!(output.status.success());
    let mut versions: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("apiVersion: "))
        .map(str::to_owned)
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

#[test]
fn v1_from_1_22_and_v1beta1_before() {
    // The gateway's access log is a Telemetry, whose group had v1alpha1 before 1.22.
    assert_eq!(
        api_versions("1.21"),
        ["networking.istio.io/v1beta1", "telemetry.istio.io/v1alpha1"]
    );
    assert_eq!(
        api_versions("1.22"),
        ["networking.istio.io/v1", "telemetry.istio.io/v1"]
    );
    assert_eq!(
        api_versions("1.22.4"),
        ["networking.istio.io/v1", "telemetry.istio.io/v1"]
    );
}

#[test]
fn v1beta1_output_is_otherwise_identical() {
    let build = |version: &str| {
        let output = egressc(&["build", "examples/egress.kdl", "--istio-version", version]);
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(
        build("1.21")
            .replace("networking.istio.io/v1beta1", "networking.istio.io/v1")
            .replace("security.istio.io/v1beta1", "security.istio.io/v1")
            .replace("telemetry.istio.io/v1alpha1", "telemetry.istio.io/v1"),
        build("1.31")
    );
}

#[test]
fn the_default_is_the_current_release_line() {
    let default = egressc(&["build", "examples/egress.kdl"]);
    let explicit = egressc(&["build", "examples/egress.kdl", "--istio-version", "1.31"]);
    assert_eq!(default.stdout, explicit.stdout);
}

#[test]
fn a_feature_the_target_lacks_is_refused_at_the_policy_line() {
    let output = egressc(&[
        "build",
        "examples/egress-tls-origination-sidecar.kdl",
        "--istio-version",
        "1.6",
        "--color",
        "never",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    insta::assert_snapshot!("refused_feature", String::from_utf8(output.stderr).unwrap());
}

#[test]
fn versions_egressc_cannot_write_for_are_usage_errors() {
    for version in ["1.4", "2.0", "latest"] {
        let output = egressc(&["build", "examples/egress.kdl", "--istio-version", version]);
        assert_eq!(output.status.code(), Some(2), "{version}");
    }
}

/// Pre-1.22 output validates against the schemas of the versions it uses, for every kind.
#[test]
fn v1beta1_output_validates_against_the_crds() {
    let output = egressc(&[
        "build",
        "examples/egress.kdl",
        "--mesh-config",
        "none",
        "--istio-version",
        "1.21",
    ]);
    assert!(output.status.success());
    let schemas = support::crd_schema::CrdSchemas::shared();
    let yaml = String::from_utf8(output.stdout).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for text in yaml.split("---\n") {
        let resource: serde_json::Value = serde_yaml::from_str(text).unwrap();
        let api_version = resource["apiVersion"].as_str().unwrap();
        assert!(
            matches!(
                api_version,
                "networking.istio.io/v1beta1"
                    | "security.istio.io/v1beta1"
                    | "telemetry.istio.io/v1alpha1"
                    | "networking.k8s.io/v1"
            ),
            "{api_version}"
        );
        if let Err(problems) = schemas.validate(&resource) {
            panic!("{resource}:\n{}", problems.join("\n"));
        }
        kinds.insert(resource["kind"].as_str().unwrap().to_owned());
    }
    assert_eq!(kinds.len(), 7, "{kinds:?}");
}
