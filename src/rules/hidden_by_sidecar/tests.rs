use super::*;
use crate::manifest::MeshConfig;
use crate::rules::tests::manifests;

/// Every rule of this group, on input meant to trip up lookups: empty and `*` hosts,
/// IP hosts, port 0, missing ports, host entries without a namespace, odd `exportTo`.
#[test]
fn odd_input_does_not_panic() {
    let yaml = r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: odd, namespace: a}
spec:
  hosts: ["", "*", "10.0.0.1", "*.example.com"]
  ports: [{number: 0}, {name: x}]
  exportTo: ["~", "", ".", "*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: odd, namespace: a}
spec:
  hosts: ["", "*", "*.example.com"]
  gateways: ["", "mesh", "gw", "b/gw", "gw.b"]
  exportTo: [""]
  http: [{route: [{destination: {host: ""}}, {destination: {host: "*", subset: ""}}]}]
  tls: [{match: [{port: 0, sniHosts: ["*"]}], route: [{}]}]
  tcp: [{}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: odd, namespace: a}
spec:
  host: "*"
  subsets: [{name: ""}]
  trafficPolicy:
    tls: {mode: SIMPLE, sni: ""}
    portLevelSettings: [{tls: {mode: MUTUAL, sni: "*"}}, {port: {number: 0}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: a}
spec:
  servers: [{}, {port: {number: 0}, tls: {}}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: odd, namespace: istio-system}
spec:
  egress: [{hosts: ["", "/", "~", "~/", "a/b/c", "*/*.example.com"]}, {port: {number: 0}}]
  outboundTrafficPolicy: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: odd, namespace: istio-system}
spec:
  action: audit
  selector: {}
  rules: [{from: [{}, {source: {}}], to: [{}, {operation: {ports: ["x", 1]}}], when: [{key: ""}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: odd2, namespace: a}
spec:
  rules: [{from: [{source: {notPrincipals: ["*"]}}]}]
"#;
    let manifests = manifests(yaml);
    assert_eq!(manifests.len(), 7);
    for mesh in [None, Some(MeshConfig::default())] {
        let index = Index::new(&manifests, "default", mesh.as_ref());
        let mut findings = Vec::new();
        super::super::origination_to_wildcard::check(&index, &mut findings);
        super::super::hidden_by_export_to::check(&index, &mut findings);
        super::super::gateway_subset_invisible::check(&index, &mut findings);
        check(&index, &mut findings);
        super::super::authorization_without_mutual_hop::check(&index, &mut findings);
        super::super::allow_any_outbound::check(&index, &mut findings);
    }
}

#[test]
fn an_excluded_host_is_not_imported() {
    let sidecar: Sidecar =
        serde_yaml::from_str(r#"egress: [{hosts: ["*/*", "~/api.example.com", "~b/*"]}]"#).unwrap();
    let imports_from =
        |ns: &str, host: &str| imports(&sidecar, "a", ns, host, &[443], Kind::Service);
    assert!(!imports_from("a", "api.example.com"));
    assert!(imports_from("a", "www.example.com"));
    assert!(!imports_from("b", "www.example.com"));
    let nothing: Sidecar = serde_yaml::from_str(r#"egress: [{hosts: ["~/*"]}]"#).unwrap();
    assert!(!imports(
        &nothing,
        "a",
        "a",
        "x.example.com",
        &[],
        Kind::VirtualService
    ));
}

#[test]
fn dot_means_the_namespace_the_scope_is_built_for() {
    let sidecar: Sidecar =
        serde_yaml::from_str(r#"egress: [{hosts: ["./*.example.com"]}]"#).unwrap();
    assert!(imports(
        &sidecar,
        "team",
        "team",
        "a.example.com",
        &[],
        Kind::Service
    ));
    assert!(!imports(
        &sidecar,
        "team",
        "other",
        "a.example.com",
        &[],
        Kind::Service
    ));
    assert!(!imports(
        &sidecar,
        "team",
        "team",
        "example.com",
        &[],
        Kind::Service
    ));
}

#[test]
fn a_port_scoped_listener_imports_services_with_that_port_only() {
    let sidecar: Sidecar =
        serde_yaml::from_str(r#"egress: [{port: {number: 443}, hosts: ["*/*"]}]"#).unwrap();
    assert!(imports(
        &sidecar,
        "a",
        "b",
        "x.example.com",
        &[443],
        Kind::Service
    ));
    assert!(!imports(
        &sidecar,
        "a",
        "b",
        "x.example.com",
        &[80],
        Kind::Service
    ));
    assert!(imports(
        &sidecar,
        "a",
        "b",
        "x.example.com",
        &[],
        Kind::VirtualService
    ));
}
