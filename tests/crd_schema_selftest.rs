//! Self-test of `tests/support/crd_schema.rs`: the validator must accept the
//! Istio documentation's own egress manifests and reject typical mistakes with
//! a message that names the offending field. A validator that passes
//! everything would make every other schema test worthless.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::crd_schema::CrdSchemas;

/// Kinds egressc may emit; other files in the reference folder (Gateway API,
/// core Kubernetes) have no Istio CRD.
const ISTIO_KINDS: [&str; 7] = [
    "ServiceEntry",
    "Gateway",
    "VirtualService",
    "DestinationRule",
    "Sidecar",
    "AuthorizationPolicy",
    "Telemetry",
];

/// Still has the shell placeholders `$PROXY_IP` and `$PROXY_PORT`.
const PLACEHOLDER_FILE: &str = "http-proxy/02-ServiceEntry-proxy.yaml";

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/istio-docs")
}

fn yaml_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.is_dir() {
            files.extend(yaml_files_under(&path));
        } else if path.extension().is_some_and(|ext| ext == "yaml") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn is_istio_resource(resource: &Value) -> bool {
    let group = resource["apiVersion"]
        .as_str()
        .and_then(|v| v.split_once('/'))
        .map(|(group, _)| group);
    let kind = resource["kind"].as_str().unwrap_or_default();
    group.is_some_and(|g| g.ends_with(".istio.io")) && ISTIO_KINDS.contains(&kind)
}

fn parse(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("test YAML does not parse: {e}\n{yaml}"))
}

/// Validates YAML that must be rejected and returns the problems.
fn rejected(yaml: &str) -> Vec<String> {
    match CrdSchemas::shared().validate(&parse(yaml)) {
        Ok(()) => panic!("expected the validator to reject:\n{yaml}"),
        Err(errors) => errors,
    }
}

/// Asserts that one of the problems contains `expected`.
fn assert_reported(errors: &[String], expected: &str) {
    assert!(
        errors.iter().any(|e| e.contains(expected)),
        "expected a problem containing {expected:?}, got:\n  {}",
        errors.join("\n  ")
    );
}

fn assert_valid(yaml: &str) {
    if let Err(errors) = CrdSchemas::shared().validate(&parse(yaml)) {
        panic!(
            "expected a valid resource, got:\n  {}\n{yaml}",
            errors.join("\n  ")
        );
    }
}

/// A correct `ServiceEntry` (the docs' httpbin.org one); invalid cases edit it.
const SERVICE_ENTRY: &str = "
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin-ext
  namespace: default
spec:
  hosts:
  - httpbin.org
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: DNS
  location: MESH_EXTERNAL
";

// ---------------------------------------------------------------------------
// Accepted
// ---------------------------------------------------------------------------

#[test]
fn every_reference_istio_resource_validates() {
    let schemas = CrdSchemas::load();
    let root = reference_dir();
    let mut failures = Vec::new();
    let mut checked_kinds = Vec::new();
    for file in yaml_files_under(&root) {
        let relative = file.strip_prefix(&root).expect("file under the root");
        let name = relative.to_string_lossy().replace('\\', "/");
        if name.contains("fragment") || name == PLACEHOLDER_FILE {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable reference file");
        let resource: Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
        if !is_istio_resource(&resource) {
            continue;
        }
        checked_kinds.push(resource["kind"].as_str().unwrap_or_default().to_owned());
        if let Err(errors) = schemas.validate(&resource) {
            failures.push(format!("{name}:\n    {}", errors.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "reference manifests rejected:\n  {}",
        failures.join("\n  ")
    );
    // Guard against silently checking nothing (wrong folder, filter too strict).
    for kind in [
        "ServiceEntry",
        "Gateway",
        "VirtualService",
        "DestinationRule",
    ] {
        assert!(
            checked_kinds.iter().any(|k| k == kind),
            "no reference {kind} was checked"
        );
    }
    assert!(
        checked_kinds.len() >= 50,
        "only {} reference resources checked",
        checked_kinds.len()
    );
}

#[test]
fn base_service_entry_is_valid_in_every_served_version() {
    for version in ["v1", "v1beta1", "v1alpha3"] {
        assert_valid(&SERVICE_ENTRY.replace(
            "networking.istio.io/v1",
            &format!("networking.istio.io/{version}"),
        ));
    }
}

/// The docs have no `Sidecar`, `AuthorizationPolicy` or `Telemetry`; these are the
/// egress-shaped ones egressc is expected to emit.
#[test]
fn egress_sidecar_authorization_policy_and_telemetry_validate() {
    assert_valid(
        "
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: istio-system
spec:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
  egress:
  - hosts:
    - ./*
    - istio-system/*
",
    );
    assert_valid(
        "
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-httpbin
  namespace: istio-system
  labels:
    app.kubernetes.io/managed-by: egressc
spec:
  selector:
    matchLabels:
      istio: egressgateway
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
        - cluster.local/ns/default/sa/sleep
    to:
    - operation:
        hosts:
        - httpbin.org
        ports:
        - '80'
",
    );
    assert_valid(
        "
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  accessLogging:
  - providers:
    - name: envoy
",
    );
}

#[test]
fn nullable_field_accepts_null() {
    assert_valid(
        "
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: cnn
spec:
  host: edition.cnn.com
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        enabled: null
",
    );
}

// ---------------------------------------------------------------------------
// Rejected: the cases the brief asks for
// ---------------------------------------------------------------------------

#[test]
fn unknown_field_in_spec() {
    let errors = rejected(&SERVICE_ENTRY.replace("  resolution: DNS", "  resolutoin: DNS"));
    assert_reported(&errors, "spec.resolutoin: unknown field");
}

#[test]
fn port_number_as_string() {
    let errors = rejected(&SERVICE_ENTRY.replace("number: 80", "number: '80'"));
    assert_reported(
        &errors,
        r#"spec.ports[0].number: expected integer, got string "80""#,
    );
}

#[test]
fn enum_violation() {
    let errors = rejected(&SERVICE_ENTRY.replace("resolution: DNS", "resolution: MAYBE"));
    assert_reported(
        &errors,
        r#"spec.resolution: "MAYBE" is not one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS"#,
    );
}

#[test]
fn missing_required_hosts() {
    let errors = rejected(&SERVICE_ENTRY.replace("  hosts:\n  - httpbin.org\n", ""));
    assert_reported(&errors, r#"spec: missing required field "hosts""#);
}

#[test]
fn one_of_violation_two_uri_matchers() {
    let errors = rejected(
        "
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin.org
  http:
  - match:
    - uri:
        exact: /status
        prefix: /
    route:
    - destination:
        host: httpbin.org
",
    );
    assert_reported(
        &errors,
        "spec.http[0].match[0].uri: at most one of exact, prefix, regex may be set, found exact, prefix",
    );
}

#[test]
fn cidr_address_with_dns_resolution() {
    let errors = rejected(&SERVICE_ENTRY.replace(
        "  resolution: DNS",
        "  addresses:\n  - 10.0.0.0/8\n  resolution: DNS",
    ));
    assert_reported(
        &errors,
        "spec: CIDR addresses are allowed only for NONE/STATIC resolution types",
    );
}

#[test]
fn duplicate_port_numbers() {
    let errors = rejected(&SERVICE_ENTRY.replace(
        "    protocol: HTTP\n",
        "    protocol: HTTP\n  - number: 80\n    name: http-alt\n    protocol: HTTP\n",
    ));
    assert_reported(
        &errors,
        "spec.ports: port number cannot be duplicated (80 in ports[0] and ports[1])",
    );
}

#[test]
fn unknown_metadata_key() {
    let errors = rejected(&SERVICE_ENTRY.replace(
        "  namespace: default",
        "  namespace: default\n  lables:\n    app: x",
    ));
    assert_reported(&errors, "metadata.lables: unknown field");
}

#[test]
fn unknown_kind() {
    let errors = rejected(&SERVICE_ENTRY.replace("kind: ServiceEntry", "kind: EgressRule"));
    assert_reported(
        &errors,
        r#"kind: no CRD defines kind EgressRule in group "networking.istio.io""#,
    );
}

// ---------------------------------------------------------------------------
// Rejected: further checks the validator claims to make
// ---------------------------------------------------------------------------

#[test]
fn unserved_version_and_core_kinds_are_errors() {
    let errors =
        rejected(&SERVICE_ENTRY.replace("networking.istio.io/v1", "networking.istio.io/v2"));
    assert_reported(
        &errors,
        "apiVersion: networking.istio.io/v2 is not a served version of ServiceEntry (served: v1, v1alpha3, v1beta1)",
    );
    let errors = rejected("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n");
    assert_reported(&errors, r#"kind: no CRD defines kind Service in group """#);
}

#[test]
fn duplicate_port_name_breaks_list_map() {
    let errors = rejected(&SERVICE_ENTRY.replace(
        "    protocol: HTTP\n",
        "    protocol: HTTP\n  - number: 443\n    name: http\n    protocol: HTTPS\n",
    ));
    assert_reported(
        &errors,
        r#"spec.ports[1]: duplicate entry {"name":"http"} (same as spec.ports[0])"#,
    );
}

#[test]
fn service_entry_cel_rules() {
    let errors = rejected(&SERVICE_ENTRY.replace("number: 80", "number: 70000"));
    assert_reported(
        &errors,
        "spec.ports[0].number: port must be between 1-65535 (got 70000)",
    );

    let errors = rejected(&SERVICE_ENTRY.replace("- httpbin.org", "- '*'"));
    assert_reported(&errors, "spec.hosts[0]: hostname cannot be wildcard");

    let errors = rejected(&SERVICE_ENTRY.replace(
        "  resolution: DNS",
        "  resolution: NONE\n  endpoints:\n  - address: 1.2.3.4",
    ));
    assert_reported(&errors, "spec: NONE mode cannot set endpoints");

    let errors = rejected(&SERVICE_ENTRY.replace(
        "  resolution: DNS",
        "  resolution: DNS\n  endpoints:\n  - ports:\n      http: 8080",
    ));
    assert_reported(&errors, "spec.endpoints[0]: Address is required");
}

#[test]
fn integer_format_and_minimum_items() {
    let errors = rejected(
        "
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: cnn
spec:
  host: edition.cnn.com
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 3000000000
",
    );
    assert_reported(
        &errors,
        r#"spec.trafficPolicy.connectionPool.tcp.maxConnections: 3000000000 does not fit format "int32""#,
    );

    let errors = rejected(&SERVICE_ENTRY.replace("  hosts:\n  - httpbin.org\n", "  hosts: []\n"));
    assert_reported(&errors, "spec.hosts: has 0 items, minItems is 1");
}

#[test]
fn null_where_not_nullable_and_pattern() {
    let errors = rejected(
        "
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin.org
  http:
  - timeout: null
    route:
    - destination:
        host: httpbin.org
",
    );
    assert_reported(&errors, "spec.http[0].timeout: expected string, got null");

    let errors = rejected(
        "
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: egress
spec:
  targetRefs:
  - kind: Gate way
    group: gateway.networking.k8s.io
    name: egress
",
    );
    assert_reported(
        &errors,
        r#"spec.targetRefs[0].kind: "Gate way" does not match pattern"#,
    );
}

#[test]
fn metadata_name_and_label_syntax() {
    let errors = rejected(&SERVICE_ENTRY.replace("name: httpbin-ext", "name: HttpBin_Ext"));
    assert_reported(
        &errors,
        r#"metadata.name: "HttpBin_Ext" does not match pattern"#,
    );

    let errors =
        rejected(&SERVICE_ENTRY.replace("  name: httpbin-ext\n", "  labels:\n    app: 7\n"));
    assert_reported(&errors, r#"metadata: missing required field "name""#);
    assert_reported(
        &errors,
        "metadata.labels.app: expected string, got integer 7",
    );
}

#[test]
fn all_problems_are_reported_not_just_the_first() {
    let errors = rejected(
        &SERVICE_ENTRY
            .replace("resolution: DNS", "resolution: MAYBE")
            .replace("location: MESH_EXTERNAL", "location: OUTSIDE")
            .replace("protocol: HTTP", "protocol: 80"),
    );
    assert_eq!(errors.len(), 3, "{errors:#?}");
}
