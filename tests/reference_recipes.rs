//! Compiles each example policy that reproduces a recipe of the Istio egress docs and checks
//! that egressc's resources mean what the docs' manifests mean
//! (`shared/reference/istio-docs/<scenario>/`, described by its `README.md`).
//!
//! "In meaning" here: two sets of resources are equal when they make the mesh send the same
//! traffic the same way, whatever the resources are called and wherever they live. Each side is
//! reduced to a [`Meaning`]:
//!
//! - per external host (`ServiceEntry` hosts): ports with protocol class and target port,
//!   resolution, location and addresses, with Istio's defaults filled in;
//! - per `Gateway` server: selector, port, protocol class, TLS mode and hosts;
//! - per `VirtualService`: hosts, gateways, and for each route kind (http / tls / tcp) the hops
//!   in order: where they match (mesh or a `Gateway` of the set, port, SNI hosts) and where they
//!   go (the egress gateway's Service or an external host, port, whether the subset resolves to
//!   one a `DestinationRule` defines, and the TLS that subset or rule applies on that port);
//! - per external host with a `DestinationRule`: the TLS it originates, by port;
//! - the mesh's outbound traffic policy.
//!
//! Left out, because they do not change where bytes go or how they are encrypted: names,
//! namespaces, labels, `exportTo`, load balancing and route weights. Subset names differ
//! (`cnn` in the docs, the host's slug in egressc), so a subset is compared by whether it
//! resolves and by what it applies. The certificate checks egressc adds where it originates
//! TLS (`sni`, `subjectAltNames`, `caCertificates`; the docs omit them) are not compared:
//! [`egressc_verifies_every_origination`] asserts that egressc always sets them.
//!
//! Where egressc departs from the docs on purpose, the departure is spelled out in the
//! recipe's `known_differences`, with the reason, rather than loosening the comparison.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use egressc::compile::{Options, compile};
use egressc::diagnostic::render::{Style, render_all};
use egressc::render::to_json;
use serde_json::{Value, json};

/// An example policy and the docs scenario it reproduces.
struct Recipe {
    example: &'static str,
    scenario: &'static str,
    /// The outbound traffic policy the docs page installs with, for folders that have no mesh
    /// config fragment (the README's "Default mode" and per-scenario notes).
    docs_outbound_policy: &'static str,
    /// egressc's deliberate departures from the docs, applied to the docs' meaning.
    known_differences: fn(&mut Meaning),
}

const REGISTRY_ONLY: &str = "REGISTRY_ONLY";
const ALLOW_ANY: &str = "ALLOW_ANY";

const EGRESS_CONTROL: Recipe = Recipe {
    example: "egress-control.kdl",
    scenario: "egress-control",
    docs_outbound_policy: REGISTRY_ONLY,
    known_differences: route_timeouts_are_not_expressed,
};
const EGRESS_GATEWAY_HTTP: Recipe = Recipe {
    example: "egress-gateway-http.kdl",
    scenario: "egress-gateway-http",
    docs_outbound_policy: ALLOW_ANY,
    known_differences: only_the_gateway_routed_port,
};
const EGRESS_GATEWAY_HTTPS_PASSTHROUGH: Recipe = Recipe {
    example: "egress-gateway-https-passthrough.kdl",
    scenario: "egress-gateway-https-passthrough",
    docs_outbound_policy: ALLOW_ANY,
    known_differences: egressc_locks_the_mesh_by_default,
};
const EGRESS_GATEWAY_TLS_ORIGINATION: Recipe = Recipe {
    example: "egress-gateway-tls-origination.kdl",
    scenario: "egress-gateway-tls-origination",
    docs_outbound_policy: ALLOW_ANY,
    known_differences: egressc_locks_the_mesh_by_default,
};
const EGRESS_TLS_ORIGINATION_SIDECAR: Recipe = Recipe {
    example: "egress-tls-origination-sidecar.kdl",
    scenario: "egress-tls-origination-sidecar",
    docs_outbound_policy: ALLOW_ANY,
    known_differences: egressc_locks_the_mesh_by_default,
};
const WILDCARD_EGRESS_DIRECT: Recipe = Recipe {
    example: "wildcard-egress-direct.kdl",
    scenario: "wildcard-egress-direct",
    docs_outbound_policy: REGISTRY_ONLY,
    known_differences: no_known_differences,
};
const WILDCARD_EGRESS_GATEWAY: Recipe = Recipe {
    example: "wildcard-egress-gateway.kdl",
    scenario: "wildcard-egress-gateway",
    docs_outbound_policy: REGISTRY_ONLY,
    known_differences: no_known_differences,
};

const RECIPES: [&Recipe; 7] = [
    &EGRESS_CONTROL,
    &EGRESS_GATEWAY_HTTP,
    &EGRESS_GATEWAY_HTTPS_PASSTHROUGH,
    &EGRESS_GATEWAY_TLS_ORIGINATION,
    &EGRESS_TLS_ORIGINATION_SIDECAR,
    &WILDCARD_EGRESS_DIRECT,
    &WILDCARD_EGRESS_GATEWAY,
];

fn no_known_differences(_: &mut Meaning) {}

/// egressc's mesh defaults to `REGISTRY_ONLY` (`outbound-traffic-policy`, default
/// `registry-only`): a policy lists what may leave, so everything else is blocked. The docs
/// page runs on Istio's default `ALLOW_ANY`. The routes of the recipe are the same under both.
fn egressc_locks_the_mesh_by_default(docs: &mut Meaning) {
    docs.outbound_traffic_policy = Some(REGISTRY_ONLY.to_owned());
}

/// The docs' `VirtualService` on httpbin.org only adds a 3 s timeout to direct traffic;
/// egressc has no route tuning, so it writes no `VirtualService` for a sidecar host.
fn route_timeouts_are_not_expressed(docs: &mut Meaning) {
    docs.virtual_services
        .retain(|vs| vs.hosts != BTreeSet::from(["httpbin.org".to_owned()]));
}

/// The docs' `ServiceEntry` also declares 443/HTTPS, which the page never routes through the
/// gateway (apps reach it directly); the example declares only the port the recipe routes
/// through the gateway, 80.
fn only_the_gateway_routed_port(docs: &mut Meaning) {
    egressc_locks_the_mesh_by_default(docs);
    for entry in docs.hosts.get_mut("edition.cnn.com").into_iter().flatten() {
        entry.ports.retain(|port| port.number != Some(443));
    }
}

#[test]
fn egress_control() {
    check(&EGRESS_CONTROL);
}

#[test]
fn egress_gateway_http() {
    check(&EGRESS_GATEWAY_HTTP);
}

#[test]
fn egress_gateway_https_passthrough() {
    check(&EGRESS_GATEWAY_HTTPS_PASSTHROUGH);
}

#[test]
fn egress_gateway_tls_origination() {
    check(&EGRESS_GATEWAY_TLS_ORIGINATION);
}

#[test]
fn egress_tls_origination_sidecar() {
    check(&EGRESS_TLS_ORIGINATION_SIDECAR);
}

#[test]
fn wildcard_egress_direct() {
    check(&WILDCARD_EGRESS_DIRECT);
}

#[test]
fn wildcard_egress_gateway() {
    check(&WILDCARD_EGRESS_GATEWAY);
}

fn check(recipe: &Recipe) {
    let docs = docs_meaning(recipe, &docs_resources(recipe.scenario));
    let ours = meaning(&egressc_resources(recipe.example));
    if docs != ours {
        let (docs, ours) = (format!("{docs:#?}"), format!("{ours:#?}"));
        let diff = similar::TextDiff::from_lines(&docs, &ours);
        panic!(
            "examples/{} does not mean what the docs' {} recipe means.\n\
             diff (- docs, + egressc):\n{}\n\
             docs, after known differences:\n{docs}\n\
             egressc:\n{ours}",
            recipe.example,
            recipe.scenario,
            diff.unified_diff().context_radius(3),
        );
    }
}

/// The meaning of the docs' manifests of a recipe, after egressc's known differences.
fn docs_meaning(recipe: &Recipe, resources: &[Value]) -> Meaning {
    let mut docs = meaning(resources);
    docs.outbound_traffic_policy
        .get_or_insert_with(|| recipe.docs_outbound_policy.to_owned());
    (recipe.known_differences)(&mut docs);
    docs
}

/// Where egressc originates TLS it verifies the server, as Istio's security best practices
/// ask; the docs' recipes leave that out, which is why the comparison skips these fields.
#[test]
fn egressc_verifies_every_origination() {
    let mut originations = 0;
    for recipe in RECIPES {
        let resources = egressc_resources(recipe.example);
        for rule in of_kind(&resources, "DestinationRule") {
            for (port, tls) in tls_settings(rule) {
                if text(tls, "/mode") != Some("SIMPLE") {
                    continue;
                }
                originations += 1;
                let missing: Vec<&str> = ["sni", "subjectAltNames", "caCertificates"]
                    .into_iter()
                    .filter(|field| is_unset(tls.get(field)))
                    .collect();
                assert!(
                    missing.is_empty(),
                    "examples/{}: the SIMPLE origination on port {port:?} of {} lacks {missing:?}",
                    recipe.example,
                    text(rule, "/spec/host").unwrap_or("?"),
                );
            }
        }
    }
    assert!(
        originations >= 2,
        "expected the sidecar and gateway origination recipes to originate TLS, found {originations}"
    );
}

fn is_unset(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// The normalizer must not depend on names: renaming the `Gateway` and the subset (and every
/// reference to them), moving everything to a namespace, qualifying a gateway reference and
/// writing TLS for HTTPS on a `ServiceEntry` port leaves the meaning unchanged.
#[test]
fn renaming_keeps_the_meaning() {
    let original = docs_resources("egress-gateway-tls-origination");
    let mut renamed = original.clone();
    for resource in &mut renamed {
        resource["metadata"]["namespace"] = json!("egress");
    }
    *field(&mut renamed, "Gateway", "/metadata/name") = json!("renamed-gateway");
    *field(&mut renamed, "VirtualService", "/spec/gateways/0") = json!("egress/renamed-gateway");
    *field(
        &mut renamed,
        "VirtualService",
        "/spec/http/1/match/0/gateways/0",
    ) = json!("renamed-gateway");
    *field(&mut renamed, "DestinationRule", "/spec/subsets/0/name") = json!("renamed-subset");
    *field(
        &mut renamed,
        "VirtualService",
        "/spec/http/0/route/0/destination/subset",
    ) = json!("renamed-subset");
    *field(&mut renamed, "ServiceEntry", "/spec/ports/1/protocol") = json!("TLS");
    assert_eq!(meaning(&original), meaning(&renamed));
}

type Mutation = fn(&mut [Value]);

/// Changes that matter, each of which must make the docs' manifests of a recipe compare unequal
/// to egressc's output.
const MUTATIONS: &[(&Recipe, &str, Mutation)] = &[
    (
        &EGRESS_GATEWAY_TLS_ORIGINATION,
        "a ServiceEntry port",
        |r| {
            *field(r, "ServiceEntry", "/spec/ports/0/number") = json!(8080);
        },
    ),
    (&EGRESS_TLS_ORIGINATION_SIDECAR, "a targetPort", |r| {
        field(r, "ServiceEntry", "/spec/ports/0")
            .as_object_mut()
            .expect("a port is an object")
            .remove("targetPort");
    }),
    (&EGRESS_GATEWAY_HTTP, "a protocol, HTTP to TCP", |r| {
        *field(r, "ServiceEntry", "/spec/ports/0/protocol") = json!("TCP");
    }),
    (
        &WILDCARD_EGRESS_GATEWAY,
        "a resolution, DNS to unset",
        |r| {
            field(r, "ServiceEntry", "/spec")
                .as_object_mut()
                .expect("spec is an object")
                .remove("resolution");
        },
    ),
    (
        &EGRESS_GATEWAY_TLS_ORIGINATION,
        "the subset's TLS mode",
        |r| {
            *field(
                r,
                "DestinationRule",
                "/spec/subsets/0/trafficPolicy/portLevelSettings/0/tls/mode",
            ) = json!("DISABLE");
        },
    ),
    (&EGRESS_GATEWAY_TLS_ORIGINATION, "the subset's sni", |r| {
        *field(
            r,
            "DestinationRule",
            "/spec/subsets/0/trafficPolicy/portLevelSettings/0/tls/sni",
        ) = json!("other.example.com");
    }),
    (
        &EGRESS_TLS_ORIGINATION_SIDECAR,
        "the originated TLS mode",
        |r| {
            *field(
                r,
                "DestinationRule",
                "/spec/trafficPolicy/portLevelSettings/0/tls/mode",
            ) = json!("DISABLE");
        },
    ),
    (
        &EGRESS_GATEWAY_TLS_ORIGINATION,
        "the mesh hop, dropped",
        |r| {
            field(r, "VirtualService", "/spec/http")
                .as_array_mut()
                .expect("routes are a list")
                .remove(0);
        },
    ),
    (
        &EGRESS_GATEWAY_TLS_ORIGINATION,
        "the last hop's port",
        |r| {
            *field(
                r,
                "VirtualService",
                "/spec/http/1/route/0/destination/port/number",
            ) = json!(80);
        },
    ),
    (
        &EGRESS_GATEWAY_HTTP,
        "the subset, to one no rule has",
        |r| {
            *field(
                r,
                "VirtualService",
                "/spec/http/0/route/0/destination/subset",
            ) = json!("nowhere");
        },
    ),
    (
        &EGRESS_GATEWAY_HTTP,
        "a match, to an unknown Gateway",
        |r| {
            *field(r, "VirtualService", "/spec/http/1/match/0/gateways/0") = json!("elsewhere");
        },
    ),
    (&EGRESS_GATEWAY_HTTPS_PASSTHROUGH, "the sniHosts", |r| {
        *field(r, "VirtualService", "/spec/tls/0/match/0/sniHosts/0") = json!("*.cnn.com");
    }),
    (
        &EGRESS_GATEWAY_HTTPS_PASSTHROUGH,
        "the server TLS mode",
        |r| {
            *field(r, "Gateway", "/spec/servers/0/tls/mode") = json!("SIMPLE");
        },
    ),
    (
        &WILDCARD_EGRESS_GATEWAY,
        "the server protocol, to HTTP",
        |r| {
            *field(r, "Gateway", "/spec/servers/0/port/protocol") = json!("HTTP");
        },
    ),
    (&EGRESS_CONTROL, "the mesh's outbound policy", |r| {
        *field(
            r,
            "IstioOperator",
            "/spec/meshConfig/outboundTrafficPolicy/mode",
        ) = json!(ALLOW_ANY);
    }),
    (
        &EGRESS_GATEWAY_HTTP,
        "the mesh hop's destination host",
        |r| {
            *field(r, "VirtualService", "/spec/http/0/route/0/destination/host") =
                json!("edition.cnn.com");
        },
    ),
    (&EGRESS_CONTROL, "a location, to MESH_INTERNAL", |r| {
        *field(r, "ServiceEntry", "/spec/location") = json!("MESH_INTERNAL");
    }),
];

#[test]
fn every_mutation_breaks_the_comparison() {
    for (recipe, what, mutate) in MUTATIONS {
        let ours = meaning(&egressc_resources(recipe.example));
        let mut mutated = docs_resources(recipe.scenario);
        mutate(&mut mutated);
        assert_ne!(
            docs_meaning(recipe, &mutated),
            ours,
            "changing {what} in the docs' {} went unnoticed",
            recipe.scenario
        );
    }
}

/// The first value at `pointer` in a resource of `kind`.
fn field<'a>(resources: &'a mut [Value], kind: &str, pointer: &str) -> &'a mut Value {
    resources
        .iter_mut()
        .filter(|resource| text(resource, "/kind") == Some(kind))
        .find_map(|resource| resource.pointer_mut(pointer))
        .unwrap_or_else(|| panic!("no {kind} has {pointer}"))
}

// ---------------------------------------------------------------------------------------------
// Reading both sides.

fn docs_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/istio-docs")
}

/// The Istio-API flavour of a scenario: the files directly in its folder (not `gateway-api/`).
fn docs_resources(scenario: &str) -> Vec<Value> {
    let dir = docs_root().join(scenario);
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|path| docs_resource(path))
        .collect()
}

/// One file of a scenario as a resource, or `None` for a fragment egressc does not express.
fn docs_resource(path: &Path) -> Option<Value> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let value = read_yaml(path);
    if !name.contains("fragment") {
        return Some(value);
    }
    // Fragments are partial YAML. The one egressc expresses is the mesh config overlay
    // (REGISTRY_ONLY): read it as the IstioOperator it is part of. The others (enabling the
    // egress gateway, fixes to mistakes) are not resources of a recipe.
    name.contains("IstioOperator-fragment-meshconfig")
        .then(|| json!({ "kind": "IstioOperator", "spec": value["spec"] }))
}

fn read_yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What egressc compiles an example to, with the default options.
fn egressc_resources(example: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    let loaded = egressc::load(std::slice::from_ref(&path)).unwrap_or_else(|e| panic!("{e}"));
    let Some(policy) = loaded.policy else {
        let diagnostics = loaded.diagnostics.sorted();
        panic!(
            "{} does not compile:\n{}",
            path.display(),
            render_all(&diagnostics, &loaded.sources, Style::Plain)
        );
    };
    compile(&policy, Options::default())
        .iter()
        .map(|compiled| to_json(&compiled.resource))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The meaning of a set of resources.

#[derive(Clone, Debug, PartialEq, Eq)]
struct Meaning {
    /// `meshConfig.outboundTrafficPolicy.mode`.
    outbound_traffic_policy: Option<String>,
    /// What the `ServiceEntry`s say about each external host they list.
    hosts: BTreeMap<String, Vec<Entry>>,
    gateway_servers: Vec<GatewayServer>,
    virtual_services: Vec<VirtualService>,
    /// The TLS that `DestinationRule`s on external hosts originate, by host.
    originations: BTreeMap<String, BTreeSet<Origination>>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    ports: BTreeSet<ServicePort>,
    resolution: String,
    location: String,
    addresses: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ServicePort {
    number: Option<u64>,
    protocol: String,
    /// The port connections go to; the port itself when `targetPort` is unset.
    target_port: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct GatewayServer {
    selector: BTreeMap<String, String>,
    port: Option<u64>,
    protocol: String,
    tls_mode: Option<String>,
    hosts: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct VirtualService {
    hosts: BTreeSet<String>,
    gateways: BTreeSet<GatewayRef>,
    /// The routes of each kind (`http`, `tls`, `tcp`), in order: the first match wins.
    routes: BTreeMap<String, Vec<Route>>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GatewayRef {
    Mesh,
    /// A `Gateway` of the set (the egress gateway's; its servers are compared on their own).
    EgressGateway,
    /// A name that no `Gateway` of the set answers to.
    Unknown(String),
}

/// One hop: where traffic is matched and where it is sent.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    matches: Vec<Match>,
    destinations: Vec<Destination>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Match {
    gateways: BTreeSet<GatewayRef>,
    port: Option<u64>,
    sni_hosts: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Destination {
    upstream: Upstream,
    port: Option<u64>,
    subset: Subset,
    /// The TLS the subset or the host's `DestinationRule` applies on this port.
    tls: Option<Tls>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Upstream {
    EgressGatewayService,
    Host(String),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Subset {
    None,
    /// Defined by a `DestinationRule` on the destination host; its name does not matter.
    Resolves,
    /// Named, but no `DestinationRule` on the host defines it.
    Dangling(String),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tls {
    mode: String,
    /// On the hop to the egress gateway (`ISTIO_MUTUAL`), the SNI tells the gateway which
    /// external host the connection is for: part of the wiring. Where TLS is originated to an
    /// external server, `sni` is a verification field egressc adds on purpose and the docs
    /// omit, so it is not recorded (see [`egressc_verifies_every_origination`]).
    sni: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Origination {
    /// `None`: the rule's policy for every port.
    port: Option<u64>,
    mode: String,
}

/// Every resource kind egressc emits or the recipes use. Anything else fails loudly, so a new
/// kind on either side cannot slip past the comparison.
const KINDS: [&str; 5] = [
    "ServiceEntry",
    "Gateway",
    "VirtualService",
    "DestinationRule",
    "IstioOperator",
];

/// Kinds that change what is recorded, not where bytes go or how they are encrypted: the
/// `Telemetry` that turns on the egress gateway's access log, which egressc writes by default.
const WITHOUT_ROUTING_MEANING: [&str; 1] = ["Telemetry"];

fn meaning(resources: &[Value]) -> Meaning {
    for resource in resources {
        let kind = text(resource, "/kind").unwrap_or_default();
        assert!(
            KINDS.contains(&kind) || WITHOUT_ROUTING_MEANING.contains(&kind),
            "no meaning is extracted from kind {kind:?}; teach `meaning` about it"
        );
    }
    let mut gateway_servers: Vec<_> = of_kind(resources, "Gateway")
        .flat_map(gateway_servers)
        .collect();
    gateway_servers.sort();
    let mut virtual_services: Vec<_> = of_kind(resources, "VirtualService")
        .map(|vs| virtual_service(vs, resources))
        .collect();
    virtual_services.sort();
    Meaning {
        outbound_traffic_policy: of_kind(resources, "IstioOperator")
            .find_map(|op| text(op, "/spec/meshConfig/outboundTrafficPolicy/mode"))
            .map(str::to_owned),
        hosts: hosts(resources),
        gateway_servers,
        virtual_services,
        originations: originations(resources),
    }
}

fn hosts(resources: &[Value]) -> BTreeMap<String, Vec<Entry>> {
    let mut hosts: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for service_entry in of_kind(resources, "ServiceEntry") {
        let entry = Entry {
            ports: items(service_entry, "/spec/ports")
                .iter()
                .map(service_port)
                .collect(),
            // Istio's defaults: an unset resolution is NONE, an unset location MESH_EXTERNAL.
            resolution: text(service_entry, "/spec/resolution")
                .unwrap_or("NONE")
                .to_owned(),
            location: text(service_entry, "/spec/location")
                .unwrap_or("MESH_EXTERNAL")
                .to_owned(),
            addresses: strings(service_entry, "/spec/addresses"),
        };
        for host in strings(service_entry, "/spec/hosts") {
            hosts.entry(host).or_default().push(entry.clone());
        }
    }
    for entries in hosts.values_mut() {
        entries.sort();
    }
    hosts
}

fn service_port(port: &Value) -> ServicePort {
    let port_number = number(port, "/number");
    ServicePort {
        number: port_number,
        protocol: app_protocol(text(port, "/protocol").unwrap_or("unset")),
        target_port: number(port, "/targetPort").or(port_number),
    }
}

/// The protocol class of a port the app connects to. Istio treats `HTTPS` and `TLS` ports
/// alike: the proxy routes the app's TLS by SNI and never decrypts it. The docs write either
/// (`HTTPS` for www.google.com, `TLS` for the cnn passthrough); egressc writes `TLS` for app
/// TLS, and `HTTPS` for the port it originates TLS to. One class for both.
fn app_protocol(protocol: &str) -> String {
    match protocol.to_ascii_uppercase().as_str() {
        "HTTPS" | "TLS" => "TLS".to_owned(),
        other => other.to_owned(),
    }
}

/// A `Gateway` server's protocol class. With PASSTHROUGH the gateway routes the TLS by SNI,
/// as a sidecar does, so `HTTPS` and `TLS` are one class (the wildcard recipe writes `HTTPS`,
/// egressc `TLS`). A terminating server is different: `HTTPS` carries HTTP inside (http
/// routes), `TLS` raw TCP (tcp routes), so they are kept apart.
fn server_protocol(protocol: &str, tls_mode: Option<&str>) -> String {
    match tls_mode {
        Some("PASSTHROUGH" | "AUTO_PASSTHROUGH") => app_protocol(protocol),
        _ => protocol.to_ascii_uppercase(),
    }
}

fn gateway_servers(gateway: &Value) -> Vec<GatewayServer> {
    let selector: BTreeMap<String, String> = gateway
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
        .collect();
    items(gateway, "/spec/servers")
        .iter()
        .map(|server| {
            let tls_mode = text(server, "/tls/mode");
            GatewayServer {
                selector: selector.clone(),
                port: number(server, "/port/number"),
                protocol: server_protocol(
                    text(server, "/port/protocol").unwrap_or("unset"),
                    tls_mode,
                ),
                tls_mode: tls_mode.map(str::to_owned),
                hosts: strings(server, "/hosts"),
            }
        })
        .collect()
}

fn virtual_service(vs: &Value, resources: &[Value]) -> VirtualService {
    let mut scope = RouteScope {
        resources,
        namespace: text(vs, "/metadata/namespace"),
        gateways: BTreeSet::from([GatewayRef::Mesh]),
    };
    // Without `gateways`, a VirtualService applies to the sidecars only.
    let listed = items(vs, "/spec/gateways");
    if !listed.is_empty() {
        scope.gateways = scope.resolve(listed);
    }
    let routes = ["http", "tls", "tcp"]
        .into_iter()
        .map(|kind| (kind, items(vs, &format!("/spec/{kind}"))))
        .filter(|(_, routes)| !routes.is_empty())
        .map(|(kind, routes)| {
            let routes = routes.iter().map(|route| scope.route(route)).collect();
            (kind.to_owned(), routes)
        })
        .collect();
    VirtualService {
        hosts: strings(vs, "/spec/hosts"),
        gateways: scope.gateways,
        routes,
    }
}

/// What the routes of one `VirtualService` are read against.
struct RouteScope<'a> {
    resources: &'a [Value],
    namespace: Option<&'a str>,
    /// The `VirtualService`'s gateways, which a match without `gateways` inherits.
    gateways: BTreeSet<GatewayRef>,
}

impl RouteScope<'_> {
    fn route(&self, route: &Value) -> Route {
        let matches = match items(route, "/match") {
            [] => vec![Match {
                gateways: self.gateways.clone(),
                port: None,
                sni_hosts: BTreeSet::new(),
            }],
            matches => matches.iter().map(|m| self.route_match(m)).collect(),
        };
        Route {
            matches,
            destinations: items(route, "/route")
                .iter()
                .map(|r| destination(&r["destination"], self.resources))
                .collect(),
        }
    }

    fn route_match(&self, m: &Value) -> Match {
        Match {
            gateways: match items(m, "/gateways") {
                [] => self.gateways.clone(),
                list => self.resolve(list),
            },
            port: number(m, "/port"),
            sni_hosts: strings(m, "/sniHosts"),
        }
    }

    fn resolve(&self, gateways: &[Value]) -> BTreeSet<GatewayRef> {
        gateways
            .iter()
            .filter_map(Value::as_str)
            .map(|name| gateway_ref(name, self.namespace, self.resources))
            .collect()
    }
}

/// `mesh`, or a `Gateway` of the set: `ns/name`, or `name` in the `VirtualService`'s namespace.
fn gateway_ref(reference: &str, namespace: Option<&str>, resources: &[Value]) -> GatewayRef {
    if reference == "mesh" {
        return GatewayRef::Mesh;
    }
    let (namespace, name) = reference
        .split_once('/')
        .map_or((namespace, reference), |(ns, name)| (Some(ns), name));
    let known = of_kind(resources, "Gateway").any(|gateway| {
        text(gateway, "/metadata/name") == Some(name)
            && text(gateway, "/metadata/namespace") == namespace
    });
    if known {
        GatewayRef::EgressGateway
    } else {
        GatewayRef::Unknown(reference.to_owned())
    }
}

fn destination(destination: &Value, resources: &[Value]) -> Destination {
    let host = text(destination, "/host").unwrap_or_default();
    let port = number(destination, "/port/number");
    let mut rules =
        of_kind(resources, "DestinationRule").filter(|rule| text(rule, "/spec/host") == Some(host));
    let (subset, tls) = match text(destination, "/subset") {
        None => (
            Subset::None,
            rules
                .next()
                .and_then(|rule| tls_for_port(&rule["spec"]["trafficPolicy"], port)),
        ),
        Some(name) => match rules.find_map(|rule| Some((rule, subset_of(rule, name)?))) {
            // A subset's policy is laid over its rule's (Istio's `MergeTrafficPolicy`).
            Some((rule, subset)) => (
                Subset::Resolves,
                tls_for_port(&subset["trafficPolicy"], port)
                    .or_else(|| tls_for_port(&rule["spec"]["trafficPolicy"], port)),
            ),
            None => (Subset::Dangling(name.to_owned()), None),
        },
    };
    Destination {
        upstream: upstream(host, resources),
        port,
        subset,
        tls,
    }
}

fn subset_of<'a>(rule: &'a Value, name: &str) -> Option<&'a Value> {
    items(rule, "/spec/subsets")
        .iter()
        .find(|subset| text(subset, "/name") == Some(name))
}

/// The TLS a traffic policy applies on a port: its `portLevelSettings` entry for the port,
/// else its top-level `tls`.
fn tls_for_port(policy: &Value, port: Option<u64>) -> Option<Tls> {
    let port_level = port.and_then(|port| {
        items(policy, "/portLevelSettings")
            .iter()
            .find(|settings| number(settings, "/port/number") == Some(port))
    });
    let tls = port_level
        .and_then(|settings| settings.get("tls"))
        .or_else(|| policy.get("tls"))?;
    let mode = text(tls, "/mode").unwrap_or("DISABLE").to_owned();
    let sni = if mode == "ISTIO_MUTUAL" {
        text(tls, "/sni").map(str::to_owned)
    } else {
        None
    };
    Some(Tls { mode, sni })
}

/// Istio's default install runs the egress gateway as the Service `istio-egressgateway` in
/// `istio-system`, over pods labelled `istio: egressgateway`. The docs assume it and it is
/// egressc's default gateway.
const EGRESS_GATEWAY_SERVICE: &str = "istio-egressgateway.istio-system.svc.cluster.local";

/// The egress gateway's Service, when a `Gateway` of the set selects its pods; else the host.
fn upstream(host: &str, resources: &[Value]) -> Upstream {
    let gateway_selected = of_kind(resources, "Gateway")
        .any(|gateway| text(gateway, "/spec/selector/istio") == Some("egressgateway"));
    if host == EGRESS_GATEWAY_SERVICE && gateway_selected {
        Upstream::EgressGatewayService
    } else {
        Upstream::Host(host.to_owned())
    }
}

fn originations(resources: &[Value]) -> BTreeMap<String, BTreeSet<Origination>> {
    let mut originations: BTreeMap<String, BTreeSet<Origination>> = BTreeMap::new();
    for rule in of_kind(resources, "DestinationRule") {
        let host = text(rule, "/spec/host").unwrap_or_default();
        if upstream(host, resources) == Upstream::EgressGatewayService {
            continue; // The sidecar -> gateway hop, compared with the routes.
        }
        let found: BTreeSet<Origination> = tls_settings(rule)
            .into_iter()
            .map(|(port, tls)| Origination {
                port,
                mode: text(tls, "/mode").unwrap_or("DISABLE").to_owned(),
            })
            .collect();
        if !found.is_empty() {
            originations
                .entry(host.to_owned())
                .or_default()
                .extend(found);
        }
    }
    originations
}

/// Every `tls` block of a `DestinationRule`, top-level and subsets', with the port it is for
/// (`None`: every port).
fn tls_settings(rule: &Value) -> Vec<(Option<u64>, &Value)> {
    let subsets = items(rule, "/spec/subsets")
        .iter()
        .map(|subset| &subset["trafficPolicy"]);
    std::iter::once(&rule["spec"]["trafficPolicy"])
        .chain(subsets)
        .flat_map(|policy| {
            let top = policy.get("tls").map(|tls| (None, tls));
            let per_port = items(policy, "/portLevelSettings")
                .iter()
                .filter_map(|settings| {
                    Some((number(settings, "/port/number"), settings.get("tls")?))
                });
            top.into_iter().chain(per_port)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading JSON values.

fn of_kind<'a>(resources: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    resources
        .iter()
        .filter(move |resource| text(resource, "/kind") == Some(kind))
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn number(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

fn items<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn strings(value: &Value, pointer: &str) -> BTreeSet<String> {
    items(value, pointer)
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}
