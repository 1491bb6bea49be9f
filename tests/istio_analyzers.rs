//! Conformance with Istio's own analyzers: every test vector of `istioctl analyze` whose
//! codes one of our rules shares (`Rule::istio_codes`) is run through `egressc check`, and
//! the resources our rule reports must be the resources Istio's analyzer reports.
//!
//! The vectors are `shared/reference/istio-analyzers/expected.json` (from istio/istio's
//! `analyzers_test.go`; `expected.md` describes each row). Istio runs only the analyzer named
//! in the row; here the whole library runs and only the findings of the rule(s) the row maps
//! to are kept. A row maps to a rule through the codes its analyzer can report
//! ([`ANALYZER_CODES`]), so rows that expect nothing are checked too. IST0101
//! (ReferencedResourceNotFound) is reported by several analyzers about different references,
//! so it maps by analyzer ([`IST0101_BY_ANALYZER`]).
//!
//! Istio reports a resource once per message; this test compares sets of resources
//! (`Kind namespace/name`, or `Kind name` when the YAML gives no namespace). Where our
//! judgement deliberately differs from the analyzer's, the difference is listed in
//! [`KNOWN_DIFFERENCES`] with the reason; a listed difference that no longer occurs fails
//! the test too, so the table cannot rot.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use egressc::check::{Options, check_texts, read_mesh_config};
use egressc::rules::RULES;
use serde_json::Value;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/istio-analyzers")
}

/// The codes each analyzer can report (`ANALYZERS.md`), for the analyzers that appear in
/// `expected.json`. IST0101 from the gateway analyzers is about a selector that matches no
/// pod, which no rule of ours judges, so it is left out there.
const ANALYZER_CODES: &[(&str, &[&str])] = &[
    ("gateway.IngressGatewayPortAnalyzer", &["IST0162"]),
    ("gateway.ConflictingGatewayAnalyzer", &["IST0145"]),
    (
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        &["IST0109"],
    ),
    ("virtualservice.DestinationRuleAnalyzer", &["IST0101"]),
    (
        "virtualservice.GatewayAnalyzer",
        &["IST0101", "IST0132", "IST0165"],
    ),
    (
        "destinationrule.CaCertificateAnalyzer",
        &["IST0128", "IST0129"],
    ),
    ("serviceentry.ProtocolAddressesAnalyzer", &["IST0134"]),
    (
        "serviceentry.ConflictingServiceEntryProtocolAnalyzer",
        &["IST0177"],
    ),
];

/// IST0101 is one code for many references; the analyzer says which.
const IST0101_BY_ANALYZER: &[(&str, &str)] = &[
    ("virtualservice.DestinationRuleAnalyzer", "M016"),
    ("virtualservice.GatewayAnalyzer", "M017"),
];

/// Which side reports a resource the other does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Istio's analyzer reports it, our rule does not.
    OnlyIstio,
    /// Our rule reports it, Istio's analyzer does not.
    OnlyEgressc,
}

struct KnownDifference {
    row: u64,
    rule: &'static str,
    resource: &'static str,
    side: Side,
    reason: &'static str,
}

/// Where our rules deliberately judge differently from Istio's analyzers.
const KNOWN_DIFFERENCES: &[KnownDifference] = &[
    KnownDifference {
        row: 14,
        rule: "M018",
        resource: "VirtualService httpbin-bogus",
        side: Side::OnlyIstio,
        reason: "the VirtualService binds `httpbin-gateway-bogus`, a Gateway that does not \
                 exist. GatewayAnalyzer reports IST0101 for the missing Gateway *and* IST0132 \
                 because a missing Gateway has no hosts; egressc reports the missing Gateway \
                 once (M017), and M018 judges hosts only against Gateways that exist",
    },
    KnownDifference {
        row: 25,
        rule: "M024",
        resource: "DestinationRule db-mtls",
        side: Side::OnlyEgressc,
        reason: "the port-level `tls` has `caCertificates` (so no IST0129) but sets `sni` and \
                 no `subjectAltNames`: with `sni` given Istio turns off auto SAN validation, so \
                 the proxy accepts any certificate that CA signed, for any name. Istio's \
                 security best practice asks for both; CaCertificateAnalyzer checks only the \
                 CA. M024 reports it (as a separate message about the name)",
    },
];

/// A row of `expected.md` that `expected.json` leaves out but that exercises our rules.
struct ExtraRow {
    row: u64,
    files: &'static [&'static str],
    analyzer: &'static str,
    /// (Istio code, resource)
    expected: &'static [(&'static str, &'static str)],
}

/// Rows of `expected.md` missing from `expected.json`, checked the same way.
const EXTRA_ROWS: &[ExtraRow] = &[ExtraRow {
    row: 4,
    files: &["testdata/gateway-correct-port.yaml"],
    analyzer: "gateway.IngressGatewayPortAnalyzer",
    expected: &[],
}];

/// What Istio's test harness adds to every row (`IstiodAnalyzer.AddDefaultResources`): the
/// default ingress gateway, a pod and its Service in `istio-system`, as `istioctl analyze`
/// assumes them for files-only analysis. Written out here as the harness generates them
/// (pods are not read by egressc; the Service is what IST0162 rows compare against).
const ISTIO_DEFAULT_RESOURCES: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: istio-ingressgateway-dummypod
  namespace: istio-system
  labels:
    istio: ingressgateway
spec:
  containers:
  - name: istio-proxy
---
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  ports:
  - {name: http2, port: 80, targetPort: 80, protocol: TCP}
  - {name: https, port: 443, targetPort: 443, protocol: TCP}
  - {name: tcp, port: 31400, targetPort: 31400, protocol: TCP}
  - {name: tls, port: 15443, targetPort: 15443, protocol: TCP}
";

/// One test vector.
struct Row {
    number: u64,
    files: Vec<String>,
    mesh: Option<String>,
    analyzer: String,
    /// (Istio code, resource)
    expected: Vec<(String, String)>,
}

fn rows() -> Vec<Row> {
    let path = reference_dir().join("expected.json");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|s| s.as_str().expect("a string").to_owned())
            .collect()
    };
    let mut rows: Vec<Row> = json
        .as_array()
        .expect("expected.json is a list of rows")
        .iter()
        .map(|row| {
            let mesh = strings(&row["mesh"]);
            assert!(mesh.len() <= 1, "one mesh config per row");
            Row {
                number: row["row"].as_u64().expect("row number"),
                files: strings(&row["files"]),
                mesh: mesh.into_iter().next(),
                analyzer: row["analyzer"]
                    .as_str()
                    .expect("analyzer")
                    .trim_matches('`')
                    .to_owned(),
                expected: row["expected"]
                    .as_array()
                    .expect("expected list")
                    .iter()
                    .map(|e| {
                        let kind = e["kind"].as_str().expect("kind");
                        let name = e["name"].as_str().expect("name");
                        let resource = match e["namespace"].as_str() {
                            Some(namespace) => format!("{kind} {namespace}/{name}"),
                            None => format!("{kind} {name}"),
                        };
                        (e["code"].as_str().expect("code").to_owned(), resource)
                    })
                    .collect(),
            }
        })
        .collect();
    for extra in EXTRA_ROWS {
        assert!(
            rows.iter().all(|r| r.number != extra.row),
            "row {} is in expected.json now: drop it from EXTRA_ROWS",
            extra.row
        );
        rows.push(Row {
            number: extra.row,
            files: extra.files.iter().map(|f| (*f).to_owned()).collect(),
            mesh: None,
            analyzer: extra.analyzer.to_owned(),
            expected: extra
                .expected
                .iter()
                .map(|(c, r)| ((*c).to_owned(), (*r).to_owned()))
                .collect(),
        });
    }
    rows.sort_by_key(|r| r.number);
    rows
}

/// The rule that reports what `code` reports, for a row of `analyzer`.
fn rule_for(code: &str, analyzer: &str) -> Option<&'static str> {
    if code == "IST0101" {
        return IST0101_BY_ANALYZER
            .iter()
            .find(|(a, _)| *a == analyzer)
            .map(|(_, rule)| *rule);
    }
    let rules: Vec<&'static str> = RULES
        .iter()
        .filter(|r| r.istio_codes.contains(&code))
        .map(|r| r.code.id)
        .collect();
    assert!(
        rules.len() <= 1,
        "{code} is claimed by several rules: {rules:?}"
    );
    rules.first().copied()
}

/// Runs `egressc check` on a row's files; the resources each rule reports.
fn run(row: &Row) -> BTreeMap<&'static str, BTreeSet<String>> {
    let dir = reference_dir();
    let mut texts: Vec<(PathBuf, Vec<u8>)> = row
        .files
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let bytes =
                fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (PathBuf::from(f), bytes)
        })
        .collect();
    texts.push((
        PathBuf::from("<istio default resources>"),
        ISTIO_DEFAULT_RESOURCES.as_bytes().to_vec(),
    ));
    let options = Options {
        mesh_config: row
            .mesh
            .as_ref()
            .map(|m| read_mesh_config(&dir.join(m)).expect("a MeshConfig file")),
        ..Options::default()
    };
    let checked = check_texts(texts, &options);
    let mut found: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for entry in checked.entries {
        if let Some(resource) = entry.resource {
            found
                .entry(entry.code.id)
                .or_default()
                .insert(resource.to_string());
        }
    }
    found
}

#[test]
fn our_rules_report_what_istios_analyzers_report() {
    let mut failures: Vec<String> = Vec::new();
    let mut used: BTreeSet<(u64, &str, &str)> = BTreeSet::new();
    let mut compared = 0;
    for row in rows() {
        let Some((_, codes)) = ANALYZER_CODES.iter().find(|(a, _)| *a == row.analyzer) else {
            failures.push(format!(
                "row {}: analyzer {} is not in ANALYZER_CODES; add the codes it reports",
                row.number, row.analyzer
            ));
            continue;
        };
        for (code, resource) in &row.expected {
            if !codes.contains(&code.as_str()) {
                failures.push(format!(
                    "row {}: {code} ({resource}) is not among the codes of {} in \
                     ANALYZER_CODES",
                    row.number, row.analyzer
                ));
            }
        }
        let rules: BTreeSet<&'static str> = codes
            .iter()
            .filter_map(|code| rule_for(code, &row.analyzer))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let found = run(&row);
        for rule in rules {
            compared += 1;
            let mut expected: BTreeSet<String> = row
                .expected
                .iter()
                .filter(|(code, _)| rule_for(code, &row.analyzer) == Some(rule))
                .map(|(_, resource)| resource.clone())
                .collect();
            let mut ours: BTreeSet<String> = found.get(rule).cloned().unwrap_or_default();
            for known in KNOWN_DIFFERENCES
                .iter()
                .filter(|k| k.row == row.number && k.rule == rule)
            {
                let (side, present) = match known.side {
                    Side::OnlyIstio => (&mut expected, !ours.contains(known.resource)),
                    Side::OnlyEgressc => (&mut ours, !expected.contains(known.resource)),
                };
                if side.remove(known.resource) && present {
                    used.insert((known.row, known.rule, known.resource));
                }
            }
            if expected != ours {
                let missing: Vec<&String> = expected.difference(&ours).collect();
                let extra: Vec<&String> = ours.difference(&expected).collect();
                failures.push(format!(
                    "row {} ({}, {rule}): Istio reports but {rule} does not: {missing:?}; \
                     {rule} reports but Istio does not: {extra:?}",
                    row.number,
                    row.files.join(" + ")
                ));
            }
        }
    }
    for known in KNOWN_DIFFERENCES {
        if !used.contains(&(known.row, known.rule, known.resource)) {
            failures.push(format!(
                "KNOWN_DIFFERENCES lists row {} {} {} ({:?}), which no longer differs: \
                 remove it ({})",
                known.row, known.rule, known.resource, known.side, known.reason
            ));
        }
    }
    assert!(compared > 0, "no row was compared");
    assert!(
        failures.is_empty(),
        "egressc disagrees with Istio's analyzers:\n{}",
        failures.join("\n")
    );
}
