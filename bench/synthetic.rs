//! Synthetic inputs for the benchmarks: a policy with a realistic mix of hosts, split over
//! files as a platform repository would be, and a deployed set as a cluster returns it.
//!
//! Shared by `bench/generate.rs` (the benchmark's generator) and `tests/bench_inputs.rs` (which
//! keeps the generated inputs valid as the language evolves). Deterministic: the same host
//! count gives the same bytes.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// How many files a policy is split over (or fewer, for tiny policies).
pub const POLICY_FILES: usize = 100;

/// The policy files for `hosts` hosts: `(file name, contents)`. The mix follows real
/// policies: 60% `tls` passthrough through the gateway, 20% plain `http` with TLS originated at
/// the gateway, 10% `tcp` with addresses and 10% `tls` straight from the sidecar; a quarter of
/// the hosts are open only to listed namespaces.
pub fn policy_files(hosts: usize) -> Vec<(String, String)> {
    let files = POLICY_FILES.min(hosts.max(1));
    let mut out: Vec<(String, String)> = (0..files)
        .map(|file| {
            let mut text =
                format!("// Synthetic egress policy, part {file} of {files}.\nversion 1\n");
            if file == 0 {
                text.push_str(MESH);
            }
            (format!("team-{file:03}.kdl"), text)
        })
        .collect();
    for index in 0..hosts {
        let (_, text) = &mut out[index % files];
        write_host(text, index);
    }
    out
}

const MESH: &str = r#"
mesh {
    egress-gateway "istio-egressgateway" namespace="istio-system" {
        selector istio="egressgateway"
        ports 80 443
    }
    outbound-traffic-policy "registry-only"
    config-namespace "istio-egress"
    network-policy
}
"#;

/// One synthetic host, as facts: what the policy file says about it and what the Python
/// baseline (bench/baseline/render.py) reads from `hosts.json`.
struct Host {
    name: String,
    /// `tls`, `http` (with TLS originated at the gateway), or `tcp`.
    protocol: &'static str,
    port: u16,
    /// The port TLS is originated to, for `http` hosts.
    originate_tls: Option<u16>,
    /// A /32 CIDR, for hosts reached straight from the sidecar.
    address: Option<String>,
    /// The one namespace the host is limited to, if any.
    namespace: Option<String>,
}

fn host(index: usize) -> Host {
    let mut host = Host {
        name: format!("api{index}.service{}.example.com", index % 97),
        protocol: "tls",
        port: 443,
        originate_tls: None,
        address: None,
        namespace: (index % 4 == 1).then(|| format!("team-{}", index % 50)),
    };
    match index % 10 {
        0..=5 => {}
        6 | 7 => {
            host.protocol = "http";
            host.port = 80;
            host.originate_tls = Some(443);
        }
        8 => {
            host.protocol = "tcp";
            host.port = 5432;
            host.address = Some(format!(
                "10.{}.{}.{}/32",
                index / 65_536 % 256,
                index / 256 % 256,
                index % 256
            ));
        }
        // Direct hosts name their addresses, as the NetworkPolicies need them.
        _ => host.address = Some(format!("198.18.{}.{}/32", index / 256 % 256, index % 256)),
    }
    host
}

fn write_host(text: &mut String, index: usize) {
    let host = host(index);
    let _ = writeln!(text, "\nhost \"{}\" {{", host.name);
    let _ = write!(text, "    {} {}", host.protocol, host.port);
    if let Some(port) = host.originate_tls {
        let _ = write!(text, " originate-tls={port}");
    }
    text.push('\n');
    if let Some(address) = &host.address {
        let _ = writeln!(text, "    addresses \"{address}\"\n    via \"sidecar\"");
    }
    if let Some(namespace) = &host.namespace {
        let _ = writeln!(text, "    namespaces \"{namespace}\"");
    }
    text.push_str("}\n");
}

/// The same hosts as `policy_files(hosts)`, as the JSON list the Python baseline renders
/// from, in policy order (file by file, as `build` reads them).
pub fn hosts_json(hosts: usize) -> Value {
    let files = POLICY_FILES.min(hosts.max(1));
    let list: Vec<Value> = (0..files)
        .flat_map(|file| (file..hosts).step_by(files))
        .map(|index| {
            let host = host(index);
            json!({
                "name": host.name,
                "protocol": host.protocol,
                "port": host.port,
                "originate_tls": host.originate_tls,
                "address": host.address,
                "namespace": host.namespace,
            })
        })
        .collect();
    Value::Array(list)
}

/// Writes what `kubectl get -o yaml` prints for the resources of a `build` stream: one
/// `kind: List`, every object decorated with the fields the API server sets, in Istio's
/// `v1beta1`, keys in alphabetical order, in serde_yaml's style. Written item by item, so
/// 100,000 hosts' list (over 600 MB) never sits in memory as one value or one string; the
/// bytes are those serde_yaml writes for the whole list (its keys in order, each item as
/// serde_yaml writes it, indented under `items:`).
pub fn write_served(stream: &str, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut empty = true;
    for (index, document) in serde_yaml::Deserializer::from_str(stream).enumerate() {
        let value: Value = serde::Deserialize::deserialize(document).expect("a YAML stream");
        let item = serde_yaml::to_string(&decorate(value, index)).expect("YAML");
        if empty {
            out.write_all(b"apiVersion: v1\nitems:\n")?;
            empty = false;
        }
        for (number, line) in item.lines().enumerate() {
            let indent: &[u8] = match (number, line.is_empty()) {
                (0, _) => b"- ",
                (_, false) => b"  ",
                (_, true) => b"",
            };
            out.write_all(indent)?;
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    if empty {
        // serde_yaml writes an empty sequence inline.
        out.write_all(b"apiVersion: v1\nitems: []\n")?;
    }
    out.write_all(b"kind: List\nmetadata:\n  resourceVersion: ''\n")
}

fn decorate(mut object: Value, index: usize) -> Value {
    let applied = serde_json::to_string(&object).expect("JSON");
    let fields = object.as_object_mut().expect("an object");
    let api_version = fields["apiVersion"].as_str().unwrap_or_default().to_owned();
    // An older version the API server also serves the kind in.
    let older = match api_version.as_str() {
        "networking.istio.io/v1" | "security.istio.io/v1" => Some("v1beta1"),
        "telemetry.istio.io/v1" => Some("v1alpha1"),
        _ => None,
    };
    if let Some(older) = older {
        let group = api_version.trim_end_matches("/v1");
        fields["apiVersion"] = json!(format!("{group}/{older}"));
    }
    let metadata = fields["metadata"].as_object_mut().expect("metadata");
    metadata
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("annotations are a map")
        .insert(
            "kubectl.kubernetes.io/last-applied-configuration".into(),
            json!(applied),
        );
    metadata.insert("creationTimestamp".into(), json!("2026-11-20T10:00:00Z"));
    metadata.insert("generation".into(), json!(1));
    metadata.insert("selfLink".into(), json!("/apis/egressc.bench/v1/served"));
    metadata.insert(
        "resourceVersion".into(),
        json!(format!("{}", 100_000 + index)),
    );
    metadata.insert(
        "uid".into(),
        json!(format!("6d1c7f0e-0000-4000-8000-{index:012}")),
    );
    metadata.insert(
        "managedFields".into(),
        json!([{"apiVersion": api_version, "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}, "manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-11-20T10:00:00Z"}]),
    );
    fields.insert("status".into(), json!({}));
    sorted_keys(object)
}

/// Keys in alphabetical order, as `kubectl get -o yaml` prints them.
fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}
