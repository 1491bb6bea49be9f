use std::fmt::Write as _;

use super::*;
use crate::manifest::Spec;

fn names(read: &Read) -> Vec<(String, usize)> {
    read.manifests
        .iter()
        .map(|m| (m.manifest.id.to_string(), m.line))
        .collect()
}

#[test]
fn documents_start_at_their_first_key() {
    let text = "# header\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\n---\n\n# comment\napiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\nmetadata: {name: b, namespace: x}\n";
    let read = read_str(text);
    assert_eq!(
        names(&read),
        [
            ("ServiceEntry a".to_owned(), 3),
            ("ServiceEntry x/b".to_owned(), 10)
        ]
    );
    assert!(read.problems.is_empty());
}

#[test]
fn a_list_item_reports_the_line_of_its_dash() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: Gateway\n  metadata:\n    name: g\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: d\n- apiVersion: networking.istio.io/v1alpha3\n  kind: DestinationRule\n  metadata:\n    name: r\nmetadata:\n  resourceVersion: \"\"\n";
    let read = read_str(text);
    assert_eq!(
        names(&read),
        [
            ("Gateway g".to_owned(), 4),
            ("DestinationRule r".to_owned(), 12)
        ]
    );
    assert_eq!(read.skipped, 1);
}

#[test]
fn a_placeholder_is_left_out_and_the_rest_is_read() {
    let text = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: proxy\nspec:\n  hosts: [my-company-proxy.com]\n  addresses: [$PROXY_IP/32]\n  ports:\n  - number: $PROXY_PORT\n    name: tcp\n    protocol: TCP\n  location: MESH_EXTERNAL\n";
    let read = read_str(text);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let located = &read.manifests[0];
    let Spec::ServiceEntry(entry) = &located.manifest.spec else {
        panic!("a ServiceEntry")
    };
    assert_eq!(entry.hosts[..], ["my-company-proxy.com"]);
    assert_eq!(entry.location.as_deref(), Some("MESH_EXTERNAL"));
    assert_eq!(located.ignored.len(), 1);
    assert_eq!(located.ignored[0].path, "spec.ports[0].number");
    assert_eq!(located.ignored[0].line, Some(9), "{:?}", located.ignored);
}

#[test]
fn snake_case_field_names_are_read() {
    let text = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  host: a.example.com\n  export_to: [\".\"]\n  traffic_policy:\n    port_level_settings:\n    - port: {number: 443}\n      tls: {mode: SIMPLE, ca_certificates: /ca.pem}\n";
    let read = read_str(text);
    let Spec::DestinationRule(rule) = &read.manifests[0].manifest.spec else {
        panic!("a DestinationRule")
    };
    assert_eq!(rule.export_to[..], ["."]);
    let tls = rule
        .traffic_policy
        .as_ref()
        .unwrap()
        .tls_for_port(443)
        .unwrap();
    assert_eq!(tls.ca_certificates.as_deref(), Some("/ca.pem"));
}

#[test]
fn gateway_api_kinds_are_skipped_not_mistaken_for_istio() {
    let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: istio\n";
    let read = read_str(text);
    assert!(read.manifests.is_empty());
    assert_eq!(read.skipped, 1);
}

#[test]
fn broken_yaml_is_a_problem_at_its_line_and_other_documents_still_read() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n   bad: indent\n---\nkind: Service\napiVersion: v1\nmetadata: {name: c}\n";
    let read = read_str(text);
    assert_eq!(
        names(&read),
        [("Service a".to_owned(), 1), ("Service c".to_owned(), 11)]
    );
    assert_eq!(read.problems.len(), 1);
    assert_eq!(read.problems[0].line, 9, "{:?}", read.problems);
    assert!(read.problems[0].message.starts_with("not valid YAML"));
}

#[test]
fn duplicate_keys_are_a_problem() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nmetadata:\n  name: b\n";
    let read = read_str(text);
    assert!(read.manifests.is_empty());
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    assert!(
        read.problems[0].message.contains("duplicate"),
        "{:?}",
        read.problems
    );
}

#[test]
fn documents_that_are_not_objects_are_problems() {
    for text in [
        "just a string\n",
        "- a\n- b\n",
        "apiVersion: v1\nmetadata: {}\n",
    ] {
        let read = read_str(text);
        assert_eq!(read.problems.len(), 1, "{text:?}");
        assert!(
            read.problems[0]
                .message
                .starts_with("not a Kubernetes object")
        );
    }
    assert!(read_str("# only a comment\n---\n").problems.is_empty());
}

#[test]
fn an_alias_bomb_fails_fast() {
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        let _ = writeln!(
            text,
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
        );
    }
    let started = std::time::Instant::now();
    let read = read_str(&text);
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    // Not a timing assertion of performance, a guard against a hang: the bomb expands to
    // 10^12 nodes, so anything but an early refusal would take hours.
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn the_istio_configmap_carries_mesh_config() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY\n";
    let read = read_str(text);
    let Spec::MeshConfig(_, Some(mesh)) = &read.manifests[0].manifest.spec else {
        panic!("mesh config, got {:?}", read.manifests)
    };
    assert_eq!(
        mesh.outbound_traffic_policy
            .as_ref()
            .unwrap()
            .mode
            .as_deref(),
        Some("REGISTRY_ONLY")
    );
}
