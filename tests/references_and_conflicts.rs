//! Edge cases of the reference and conflict rules (M003, M005, M016-M020, M024) that the
//! fixtures do not show: odd input must never panic, and the corners of Istio's semantics
//! (reference forms, `exportTo: ~`, subsets, Service port details) are judged as Istio does.

use std::path::PathBuf;

use egressc::check::{Options, check_texts};

/// `(code, resource, message)` of every finding on the YAML.
fn check(yaml: &str) -> Vec<(String, String, String)> {
    let checked = check_texts(
        vec![(PathBuf::from("test.yaml"), yaml.as_bytes().to_vec())],
        &Options::default(),
    );
    checked
        .entries
        .into_iter()
        .map(|e| {
            (
                e.code.id.to_owned(),
                e.resource.map(|r| r.to_string()).unwrap_or_default(),
                e.message,
            )
        })
        .collect()
}

fn codes(yaml: &str, code: &str) -> Vec<(String, String)> {
    check(yaml)
        .into_iter()
        .filter(|(c, _, _)| c == code)
        .map(|(_, resource, message)| (resource, message))
        .collect()
}

#[test]
fn odd_input_does_not_panic() {
    let yaml = r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: odd}
spec:
  hosts: ["", "*", 10.0.0.1, "*.example.com"]
  exportTo: ["~", ".", "*"]
  ports:
  - {number: 0}
  - {number: 443, protocol: ""}
  - {number: 443, protocol: TLS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: no-ports}
spec:
  hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: odd}
spec:
  selector: {}
  servers:
  - hosts: ["", "*", "*/*", "ns/", "/", "./"]
  - port: {number: 0}
    hosts: ["*"]
  - port: {number: 443}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: odd-2}
spec:
  servers:
  - port: {number: 443}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: odd}
spec:
  hosts: ["", "*", 10.0.0.1]
  gateways: ["", ".", "./", "/", "a.b.c.d", "mesh", "odd"]
  exportTo: ["~"]
  http:
  - match:
    - gateways: ["", "/x"]
    route:
    - destination: {host: "", subset: ""}
    - destination: {host: "*", subset: v1}
    mirrors:
    - {}
    - destination: {host: 10.0.0.1, subset: v1}
  tls:
  - route:
    - {}
  tcp:
  - route:
    - destination: {host: "*.example.com", subset: ""}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: odd}
spec:
  host: ""
  subsets:
  - {}
  - name: v1
    trafficPolicy:
      tls: {mode: SIMPLE, sni: ""}
      portLevelSettings:
      - tls: {mode: MUTUAL}
      - port: {number: 0}
  trafficPolicy:
    tls: {}
---
apiVersion: v1
kind: Service
metadata: {name: odd}
spec:
  selector: {istio: ingressgateway}
  ports:
  - {port: 0}
  - {port: 80, targetPort: http}
  - {port: 53, protocol: UDP}
"#;
    let findings = check(yaml);
    assert!(!findings.is_empty());
}

#[test]
fn every_gateway_reference_form_istio_accepts_resolves() {
    let yaml = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ['*/edition.cnn.com']
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: local, namespace: apps}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ['./edition.cnn.com']
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cnn, namespace: apps}
spec:
  hosts: [edition.cnn.com]
  gateways:
  - ./local
  - local
  - egress.istio-system
  - egress.istio-system.svc.cluster.local
  - istio-system/egress
  http:
  - match:
    - gateways: [egress.istio-system, ./local]
    route:
    - destination: {host: edition.cnn.com}
";
    assert_eq!(codes(yaml, "M017"), vec![]);
    assert_eq!(codes(yaml, "M018"), vec![]);
}

#[test]
fn a_server_host_of_another_namespace_does_not_accept_the_virtual_service() {
    let yaml = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ['./edition.cnn.com', 'team-a/edition.cnn.com']
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cnn, namespace: team-b}
spec:
  hosts: [edition.cnn.com]
  gateways: [istio-system/egress]
  http:
  - route:
    - destination: {host: edition.cnn.com}
";
    let found = codes(yaml, "M018");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains(
            "server host team-a/edition.cnn.com admits only VirtualServices of namespace team-a"
        ),
        "{found:?}"
    );
}

/// A Gateway with few hosts is read host by host, one with many through a map: both must
/// accept the same hosts, wildcards and namespace parts included.
#[test]
fn a_gateway_accepts_the_same_hosts_whether_it_has_few_or_many() {
    let judged = |fillers: usize| {
        let mut hosts = vec![
            "'*.example.com'".to_owned(),
            "'./api.internal.net'".to_owned(),
            "'team-b/*.team-b.org'".to_owned(),
        ];
        hosts.extend((0..fillers).map(|n| format!("'filler{n}.example.org'")));
        let yaml = format!(
            "
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: egress, namespace: istio-system}}
spec:
  selector: {{istio: egressgateway}}
  servers:
  - port: {{number: 443, name: tls, protocol: TLS}}
    hosts: [{}]
    tls: {{mode: PASSTHROUGH}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: some, namespace: team-a}}
spec:
  hosts: [api.example.com, '*.example.com', api.internal.net, x.team-b.org]
  gateways: [istio-system/egress]
  tls:
  - match: [{{sniHosts: [api.example.com]}}]
    route:
    - destination: {{host: api.example.com}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: none, namespace: team-a}}
spec:
  hosts: [api.internal.net, x.team-b.org, '*.net']
  gateways: [istio-system/egress]
  tls:
  - match: [{{sniHosts: [x.team-b.org]}}]
    route:
    - destination: {{host: x.team-b.org}}
",
            hosts.join(", ")
        );
        let found: Vec<String> = codes(&yaml, "M018")
            .into_iter()
            .map(|(resource, message)| {
                let words: Vec<&str> = message.split(' ').take(4).collect();
                format!("{resource}: {}", words.join(" "))
            })
            .collect();
        found
    };
    let few = judged(0);
    assert_eq!(
        few,
        vec![
            "VirtualService team-a/some: VirtualService host api.internal.net is".to_owned(),
            "VirtualService team-a/some: VirtualService host x.team-b.org is".to_owned(),
            "VirtualService team-a/none: VirtualService is bound to".to_owned(),
        ]
    );
    assert_eq!(judged(20), few);
}

#[test]
fn hidden_entries_and_virtual_services_conflict_with_nothing() {
    let yaml = r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: one}
spec:
  hosts: [api.example.com]
  exportTo: ["~"]
  ports: [{number: 443, name: tls, protocol: TLS}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: b, namespace: two}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: one}
spec:
  hosts: [api.example.com]
  exportTo: ["~"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: two}
spec:
  hosts: [api.example.com]
"#;
    assert_eq!(codes(yaml, "M003"), vec![]);
    assert_eq!(codes(yaml, "M019"), vec![]);
}

#[test]
fn a_short_host_and_its_fqdn_are_one_host() {
    let yaml = r"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: short, namespace: shop}
spec:
  hosts: [reviews]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: long, namespace: other}
spec:
  hosts: [reviews.shop.svc.cluster.local]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: gateway-only, namespace: other}
spec:
  hosts: [reviews.shop.svc.cluster.local]
  gateways: [istio-system/ingress]
";
    let found: Vec<String> = codes(yaml, "M019").into_iter().map(|(r, _)| r).collect();
    assert_eq!(
        found,
        vec![
            "VirtualService shop/short".to_owned(),
            "VirtualService other/long".to_owned()
        ]
    );
}

#[test]
fn udp_ports_do_not_serve_a_gateway_and_named_target_ports_use_the_service_port() {
    let yaml = r"
apiVersion: v1
kind: Service
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  ports:
  - {name: http2, port: 80, targetPort: http}
  - {name: dns, port: 53, protocol: UDP}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ['*']
  - port: {number: 53, name: dns, protocol: TCP}
    hosts: ['*']
";
    let found = codes(yaml, "M005");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("server on port 53"), "{found:?}");
}

#[test]
fn subset_traffic_policies_are_checked_for_verification_too() {
    let yaml = r"
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: billing}
spec:
  host: api.example.com
  subsets:
  - name: v2
    trafficPolicy:
      portLevelSettings:
      - port: {number: 443}
        tls: {mode: SIMPLE}
";
    let found = codes(yaml, "M024");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("api.example.com port 443 (subset v2)"),
        "{found:?}"
    );
}

#[test]
fn a_subset_of_a_wildcard_destination_rule_counts_and_a_missing_one_is_named() {
    let yaml = r"
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: all-external, namespace: istio-system}
spec:
  host: '*.example.com'
  subsets:
  - name: blue
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: istio-system}
spec:
  hosts: [api.example.com]
  http:
  - route:
    - destination: {host: api.example.com, subset: blue}
    mirrors:
    - destination: {host: api.example.com, subset: green}
";
    let found = codes(yaml, "M016");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("mirrors traffic to subset `green` of api.example.com"),
        "{found:?}"
    );
}
