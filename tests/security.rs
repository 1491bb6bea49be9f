//! The egress gateway as a boundary: what `namespaces`, `network-policy`, per-namespace
//! REGISTRY_ONLY and the access log make `build` write, checked on the resources themselves.
//!
//! `tests/fixtures/built/security-boundary.kdl` uses every feature at once and is snapshotted
//! by `built.rs`; here each resource it emits is validated against its schema, and small
//! policies written inline pin one behaviour each.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde::Deserialize;
use serde_json::Value;
use support::crd_schema::CrdSchemas;

fn build_file(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--color", "never"])
        .arg(path)
        .output()
        .expect("egressc runs")
}

/// Builds a policy given as text; returns the exit code, the resources and stderr.
fn build(name: &str, policy: &str) -> (i32, Vec<Value>, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("security");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.kdl"));
    std::fs::write(&path, policy).unwrap();
    let output = build_file(&path);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let resources = serde_yaml::Deserializer::from_str(&stdout)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect();
    let stderr = String::from_utf8(output.stderr)
        .unwrap()
        .replace(&path.display().to_string(), &format!("{name}.kdl"));
    (output.status.code().unwrap(), resources, stderr)
}

fn of_kind<'a>(resources: &'a [Value], kind: &str) -> Vec<&'a Value> {
    resources.iter().filter(|r| r["kind"] == kind).collect()
}

fn named<'a>(resources: &'a [Value], kind: &str, name: &str) -> &'a Value {
    of_kind(resources, kind)
        .into_iter()
        .find(|r| r["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

const HOST: &str = "version 1\nhost \"hooks.slack.com\" {\n    tls 443\n    http 80\n";

#[test]
fn every_resource_of_the_full_policy_validates_against_its_schema() {
    let path = Path::new("tests/fixtures/built/security-boundary.kdl");
    let output = build_file(path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let resources: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap())
        .collect();
    for kind in [
        "AuthorizationPolicy",
        "NetworkPolicy",
        "Sidecar",
        "Telemetry",
    ] {
        assert!(!of_kind(&resources, kind).is_empty(), "no {kind} emitted");
    }
    let schemas = CrdSchemas::shared();
    for resource in resources.iter().filter(|r| r["kind"] != "IstioOperator") {
        if let Err(problems) = schemas.validate(resource) {
            panic!(
                "invalid {} {}:\n{}",
                resource["kind"],
                resource["metadata"]["name"],
                problems.join("\n")
            );
        }
    }
}

/// The NetworkPolicy schema of `tests/schemas/` is a real check, not a pass-through.
#[test]
fn the_network_policy_schema_rejects_what_kubernetes_rejects() {
    let schemas = CrdSchemas::shared();
    let policy = |spec: Value| {
        serde_json::json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "payments"},
            "spec": spec,
        })
    };
    let good = serde_json::json!({"podSelector": {}, "policyTypes": ["Egress"],
        "egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]});
    assert!(schemas.validate(&policy(good)).is_ok());
    for bad in [
        serde_json::json!({"policyTypes": ["Egress"]}),
        serde_json::json!({"podSelector": {}, "policyTypes": ["Outbound"]}),
        serde_json::json!({"podSelector": {}, "egress": [{"ports": [{"protocol": "ICMP"}]}]}),
        serde_json::json!({"podSelector": {}, "egress": [{"to": [{"ipBlock": {}}]}]}),
        serde_json::json!({"podSelector": {}, "egres": []}),
    ] {
        assert!(schemas.validate(&policy(bad.clone())).is_err(), "{bad}");
    }
}

/// Limiting a host to namespaces turns the sidecar -> gateway hop into Istio mutual TLS on
/// both sides, for every host through the gateway: the Gateway server terminates it and the
/// gateway-subset DestinationRule originates it with the SNI the server matches.
#[test]
fn namespaces_switch_every_hop_to_istio_mutual_on_both_sides() {
    let (code, open, _) = build("open", &format!("{HOST}}}\n"));
    assert_eq!(code, 0);
    let servers = &named(&open, "Gateway", "hooks-slack-com")["spec"]["servers"];
    assert_eq!(servers[0]["port"]["protocol"], "HTTP");
    assert!(servers[0]["tls"].is_null());
    assert_eq!(servers[1]["tls"]["mode"], "PASSTHROUGH");
    let subset = &named(
        &open,
        "DestinationRule",
        "egressgateway-for-hooks-slack-com",
    )["spec"]["subsets"][0];
    assert!(subset["trafficPolicy"].is_null());
    assert!(of_kind(&open, "AuthorizationPolicy").is_empty());

    let scoped_policy = format!("{HOST}    namespaces \"payments\"\n}}\n");
    let (code, scoped, stderr) = build("scoped", &scoped_policy);
    assert_eq!(code, 0, "{stderr}");
    let servers = &named(&scoped, "Gateway", "hooks-slack-com")["spec"]["servers"];
    for (server, protocol) in servers.as_array().unwrap().iter().zip(["HTTPS", "TLS"]) {
        assert_eq!(server["port"]["protocol"], protocol);
        assert_eq!(server["tls"]["mode"], "ISTIO_MUTUAL");
    }
    let settings = &named(
        &scoped,
        "DestinationRule",
        "egressgateway-for-hooks-slack-com",
    )["spec"]["subsets"][0]["trafficPolicy"]["portLevelSettings"];
    for (setting, port) in settings.as_array().unwrap().iter().zip([80, 443]) {
        assert_eq!(setting["port"]["number"], port);
        assert_eq!(setting["tls"]["mode"], "ISTIO_MUTUAL");
        assert_eq!(setting["tls"]["sni"], "hooks.slack.com");
    }
    // The gateway forwards the app's own TLS, decrypted from the mutual hop, as TCP.
    let vs = &named(&scoped, "VirtualService", "hooks-slack-com")["spec"];
    assert_eq!(vs["tls"].as_array().unwrap().len(), 1);
    assert_eq!(vs["tcp"][0]["match"][0]["port"], 443);
    assert!(vs["tcp"][0]["match"][0]["sniHosts"].is_null());
    let rules = &named(&scoped, "AuthorizationPolicy", "egressc")["spec"]["rules"];
    assert_eq!(rules[0]["from"][0]["source"]["namespaces"][0], "payments");
    assert_eq!(
        rules[0]["to"][0]["operation"]["hosts"][0],
        "hooks.slack.com"
    );
    assert_eq!(rules[1]["when"][0]["key"], "connection.sni");
}

/// An open host beside a limited one goes through the same policy, open to every caller;
/// plain HTTP and TLS may then share a gateway port (both are ISTIO_MUTUAL servers).
#[test]
fn open_hosts_stay_open_under_the_same_policy() {
    let policy = format!(
        "{HOST}    namespaces \"payments\"\n}}\nhost \"status.example.com\" {{\n    http 443\n}}\n"
    );
    let (code, resources, stderr) = build("mixed", &policy);
    assert_eq!(code, 0, "{stderr}");
    let rules = named(&resources, "AuthorizationPolicy", "egressc")["spec"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let open = rules
        .iter()
        .find(|r| r["to"][0]["operation"]["hosts"][0] == "status.example.com")
        .expect("a rule for the open host");
    assert!(open["from"].is_null(), "open to every caller: {open}");
    assert_eq!(rules.len(), 3);
}

#[test]
fn the_access_log_is_on_by_default_and_can_be_turned_off() {
    let (_, on, _) = build("log-on", &format!("{HOST}}}\n"));
    let telemetry = named(&on, "Telemetry", "egressc-access-log");
    assert_eq!(
        telemetry["spec"]["selector"]["matchLabels"]["istio"],
        "egressgateway"
    );
    assert_eq!(
        telemetry["spec"]["accessLogging"][0]["providers"][0]["name"],
        "envoy"
    );
    let off = format!(
        "{HOST}}}\nmesh {{\n    egress-gateway \"istio-egressgateway\" {{\n        access-log \"off\"\n    }}\n}}\n"
    );
    let (code, off, stderr) = build("log-off", &off);
    assert_eq!(code, 0, "{stderr}");
    assert!(of_kind(&off, "Telemetry").is_empty());
}

/// `outbound-traffic-policy "registry-only" { namespaces ... }` keeps the mesh ALLOW_ANY and
/// limits the listed namespaces with Sidecars that keep Istio's namespace visible.
#[test]
fn registry_only_rolls_out_per_namespace_with_sidecars() {
    let policy = format!(
        "{HOST}}}\nmesh {{\n    outbound-traffic-policy \"registry-only\" {{\n        namespaces \"payments\"\n    }}\n    config-namespace \"istio-egress\"\n}}\nrules {{ allow \"M026\" }}\n"
    );
    let (code, resources, stderr) = build("per-namespace", &policy);
    assert_eq!(code, 0, "{stderr}");
    let operator = &of_kind(&resources, "IstioOperator")[0];
    assert_eq!(
        operator["spec"]["meshConfig"]["outboundTrafficPolicy"]["mode"],
        "ALLOW_ANY"
    );
    let sidecar = named(&resources, "Sidecar", "egressc-payments");
    assert_eq!(sidecar["metadata"]["namespace"], "payments");
    assert_eq!(
        sidecar["spec"]["outboundTrafficPolicy"]["mode"],
        "REGISTRY_ONLY"
    );
    let hosts: Vec<&str> = sidecar["spec"]["egress"][0]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(hosts.contains(&"istio-system/*"), "{hosts:?}");
    assert!(hosts.contains(&"istio-egress/hooks.slack.com"), "{hosts:?}");
    // Without network-policy, the guard tells that pods without a sidecar bypass it.
    assert!(stderr.contains("info[M027]"), "{stderr}");
}

/// A host leaving from the sidecar needs addresses for the NetworkPolicy to allow it: the
/// build warns and still writes the resources.
#[test]
fn a_sidecar_host_without_addresses_is_warned_about() {
    let policy = "version 1\nmesh {\n    network-policy {\n        namespaces \"payments\"\n    }\n}\nhost \"api.datadoghq.com\" {\n    tls 443\n    via \"sidecar\"\n}\n";
    let (code, resources, stderr) = build("sidecar-host", policy);
    assert_eq!(code, 0);
    assert_eq!(of_kind(&resources, "NetworkPolicy").len(), 1);
    insta::assert_snapshot!("sidecar-host-without-addresses", stderr);
}

#[test]
fn misspelled_security_settings_are_input_errors() {
    let policy = "version 1\nmesh {\n    egress-gateway \"istio-egressgateway\" {\n        access-log \"no\"\n    }\n    outbound-traffic-policy \"allow-any\" {\n        namespaces \"payments\"\n    }\n    network-policy {\n        dns namespace=\"Kube-System\"\n    }\n}\nhost \"a.example.com\" {\n    tls 443\n}\n";
    let (code, resources, stderr) = build("misspelled", policy);
    assert_eq!(code, 2);
    assert!(resources.is_empty());
    insta::assert_snapshot!("misspelled-security-settings", stderr);
}

/// M025 is the net under the mutual hop: the same output with one Gateway server passed
/// through instead of terminated is refused by `check`, since the AuthorizationPolicy's
/// namespace condition could not match there.
#[test]
fn a_gateway_server_without_the_mutual_hop_is_caught_by_m025() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("security");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m025.kdl");
    std::fs::write(&path, format!("{HOST}    namespaces \"payments\"\n}}\n")).unwrap();
    let output = build_file(&path);
    let yaml = String::from_utf8(output.stdout).unwrap();
    let server_tls = "    tls:\n      mode: ISTIO_MUTUAL\n";
    assert_eq!(yaml.matches(server_tls).count(), 2, "{yaml}");
    let broken = yaml.replacen(server_tls, "    tls:\n      mode: PASSTHROUGH\n", 2);
    let manifests = dir.join("m025.yaml");
    std::fs::write(&manifests, broken).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
        .args(["check", "--color", "never"])
        .arg(&manifests)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error[M025]"), "{stdout}");
}

/// The guard judges the NetworkPolicies the build writes with M028 and M029: with DNS,
/// istiod and the gateway somewhere else than Istio's defaults, they still allow them.
#[test]
fn custom_selectors_still_build_clean() {
    let policy = format!(
        "{HOST}    namespaces \"payments\"\n}}\nmesh {{\n    egress-gateway \"egress\" namespace=\"egress-system\" {{\n        selector app=\"egress\"\n    }}\n    network-policy {{\n        dns namespace=\"dns-system\" {{ selector app=\"coredns\"; }}\n        istiod namespace=\"istio-control\" {{ selector app=\"istiod\"; }}\n    }}\n}}\n"
    );
    let (code, resources, stderr) = build("custom-selectors", &policy);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let egress = &named(&resources, "NetworkPolicy", "egressc-payments")["spec"]["egress"];
    assert_eq!(
        egress[0]["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "dns-system"
    );
    assert_eq!(
        egress[2]["to"][0]["podSelector"]["matchLabels"]["app"],
        "egress"
    );
}

/// The pods every client needs are never cut off: no NetworkPolicy in the gateway's, istiod's
/// or DNS's namespace, and no REGISTRY_ONLY Sidecar in the root namespace, where it would be
/// every namespace's default.
#[test]
fn infrastructure_namespaces_are_never_limited() {
    let policy = format!(
        "{HOST}    namespaces \"istio-system\" \"kube-system\" \"payments\"\n}}\nmesh {{\n    network-policy\n}}\n"
    );
    let (code, resources, stderr) = build("infrastructure", &policy);
    assert_eq!(code, 0, "{stderr}");
    let namespaces: Vec<&str> = of_kind(&resources, "NetworkPolicy")
        .iter()
        .map(|p| p["metadata"]["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(namespaces, ["payments"]);
    let root = "version 1\nmesh {\n    outbound-traffic-policy \"registry-only\" {\n        namespaces \"istio-system\" \"payments\"\n    }\n}\nhost \"a.example.com\" {\n    tls 443\n}\n";
    let (code, _, stderr) = build("root-sidecar", root);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error[E016]: REGISTRY_ONLY cannot be rolled out to `istio-system`"),
        "{stderr}"
    );
}
