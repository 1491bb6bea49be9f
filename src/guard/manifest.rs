//! Compiled resources in the rules' model: the typed [`Resource`] egressc writes, converted
//! field by field into the [`Manifest`] that `check` reads from YAML.
//!
//! The rules must judge exactly what is written. Converting through the written form (JSON
//! or YAML text, then the lenient deserializers) guarantees that by construction but cost
//! `build` more than its rules did at 10,000 hosts; this conversion copies fields instead.
//! Two things keep it honest: a resource that would not come out the same way (the `istio`
//! ConfigMap, whose mesh config is YAML inside a string) goes through JSON after all, and a
//! test compares this conversion with the JSON path for every resource every example and the
//! benchmark's policy compile to (`tests/guard_conversion.rs`).

use crate::istio::{self, Resource};
use std::collections::BTreeMap;

use crate::manifest::{
    self as model, KnownKind, Labels, List, Manifest, ResourceRef, Spec, Status, Text,
};

/// The manifest the rules read for `resource`; `None` for kinds the rules do not read.
pub fn manifest_of(resource: &Resource) -> Option<Manifest> {
    let spec = match resource {
        Resource::ServiceEntry(o) => Spec::ServiceEntry(Box::new(service_entry(&o.spec))),
        Resource::Gateway(o) => Spec::Gateway(Box::new(gateway(&o.spec))),
        Resource::VirtualService(o) => Spec::VirtualService(Box::new(virtual_service(&o.spec))),
        Resource::DestinationRule(o) => Spec::DestinationRule(Box::new(destination_rule(&o.spec))),
        Resource::Sidecar(o) => Spec::Sidecar(Box::new(sidecar(&o.spec))),
        Resource::AuthorizationPolicy(o) => {
            Spec::AuthorizationPolicy(Box::new(authorization_policy(&o.spec)))
        }
        Resource::NetworkPolicy(o) => Spec::NetworkPolicy(Box::new(network_policy(&o.spec))),
        Resource::IstioOperator(o) => Spec::MeshConfig(
            KnownKind::IstioOperator,
            Some(Box::new(mesh_config(&o.spec.mesh_config))),
        ),
        Resource::MeshConfigMap(_) => return through_json(resource),
        Resource::Telemetry(_) | Resource::IstiodValues(_) => return None,
    };
    let type_meta = resource.type_meta()?;
    let metadata = resource.metadata()?;
    Some(Manifest {
        id: ResourceRef {
            api_version: text(&type_meta.api_version),
            kind: text(&type_meta.kind),
            namespace: optional_text(metadata.namespace.as_ref()),
            name: text(&metadata.name),
        },
        spec,
        status: Status::default(),
    })
}

/// The written form read back: for what has no field-by-field conversion.
fn through_json(resource: &Resource) -> Option<Manifest> {
    let value = serde_json::to_value(resource).expect("resources serialize to JSON");
    model::from_json(&value).expect("a compiled resource reads back as a manifest")
}

fn text(value: &str) -> Text {
    Text::from(value)
}

fn texts(items: &[String]) -> List<Text> {
    items.iter().map(|item| text(item)).collect()
}

fn optional_text(value: Option<&String>) -> Option<Text> {
    value.map(|value| text(value))
}

fn labels(map: &BTreeMap<String, String>) -> Labels {
    map.iter().map(|(k, v)| (text(k), text(v))).collect()
}

fn service_entry(spec: &istio::ServiceEntrySpec) -> model::ServiceEntry {
    model::ServiceEntry {
        hosts: texts(&spec.hosts),
        addresses: texts(&spec.addresses),
        ports: spec
            .ports
            .iter()
            .map(|p| model::ServiceEntryPort {
                number: p.number.into(),
                protocol: Some(text(&p.protocol)),
                name: Some(text(&p.name)),
                target_port: p.target_port.map(u32::from),
            })
            .collect(),
        location: optional_text(spec.location.as_ref()),
        resolution: optional_text(spec.resolution.as_ref()),
        endpoints: spec
            .endpoints
            .iter()
            .map(|e| model::WorkloadEntry {
                address: Some(text(&e.address)),
                ports: BTreeMap::new(),
            })
            .collect(),
        export_to: texts(&spec.export_to),
        workload_selector: None,
        subject_alt_names: List::default(),
    }
}

fn gateway(spec: &istio::GatewaySpec) -> model::Gateway {
    model::Gateway {
        selector: labels(&spec.selector),
        servers: spec
            .servers
            .iter()
            .map(|s| model::Server {
                port: Some(model::ServerPort {
                    number: s.port.number.into(),
                    protocol: Some(text(&s.port.protocol)),
                    name: Some(text(&s.port.name)),
                    target_port: None,
                }),
                hosts: texts(&s.hosts),
                tls: s.tls.as_ref().map(|t| model::ServerTls {
                    mode: Some(text(&t.mode)),
                    credential_name: None,
                    https_redirect: false,
                }),
                bind: None,
            })
            .collect(),
    }
}

fn virtual_service(spec: &istio::VirtualServiceSpec) -> model::VirtualService {
    model::VirtualService {
        hosts: texts(&spec.hosts),
        gateways: texts(&spec.gateways),
        http: spec
            .http
            .iter()
            .map(|r| model::HttpRoute {
                matches: route_matches(&r.matches),
                route: route_destinations(&r.route),
                ..model::HttpRoute::default()
            })
            .collect(),
        tls: spec
            .tls
            .iter()
            .map(|r| model::TlsRoute {
                matches: route_matches(&r.matches),
                route: route_destinations(&r.route),
            })
            .collect(),
        tcp: spec
            .tcp
            .iter()
            .map(|r| model::TcpRoute {
                matches: route_matches(&r.matches),
                route: route_destinations(&r.route),
            })
            .collect(),
        export_to: texts(&spec.export_to),
    }
}

fn route_matches(matches: &[istio::RouteMatch]) -> List<model::RouteMatch> {
    matches
        .iter()
        .map(|m| model::RouteMatch {
            gateways: texts(&m.gateways),
            port: m.port.map(u32::from),
            sni_hosts: texts(&m.sni_hosts),
        })
        .collect()
}

fn route_destinations(route: &[istio::RouteDestination]) -> List<model::RouteDestination> {
    route
        .iter()
        .map(|r| model::RouteDestination {
            destination: Some(model::Destination {
                host: text(&r.destination.host),
                subset: optional_text(r.destination.subset.as_ref()),
                port: r.destination.port.map(port_selector),
            }),
        })
        .collect()
}

fn port_selector(port: istio::PortSelector) -> model::PortSelector {
    model::PortSelector {
        number: port.number.into(),
    }
}

fn destination_rule(spec: &istio::DestinationRuleSpec) -> model::DestinationRule {
    model::DestinationRule {
        host: text(&spec.host),
        traffic_policy: spec.traffic_policy.as_ref().map(traffic_policy),
        subsets: spec
            .subsets
            .iter()
            .map(|s| model::Subset {
                name: text(&s.name),
                labels: Labels::default(),
                traffic_policy: s.traffic_policy.as_ref().map(traffic_policy),
            })
            .collect(),
        export_to: texts(&spec.export_to),
        workload_selector: None,
    }
}

fn traffic_policy(policy: &istio::TrafficPolicy) -> model::TrafficPolicy {
    model::TrafficPolicy {
        tls: None,
        port_level_settings: policy
            .port_level_settings
            .iter()
            .map(|p| model::PortTrafficPolicy {
                port: Some(port_selector(p.port)),
                tls: Some(model::ClientTls {
                    mode: Some(text(&p.tls.mode)),
                    ca_certificates: optional_text(p.tls.ca_certificates.as_ref()),
                    credential_name: None,
                    subject_alt_names: texts(&p.tls.subject_alt_names),
                    sni: optional_text(p.tls.sni.as_ref()),
                    insecure_skip_verify: None,
                }),
            })
            .collect(),
    }
}

fn sidecar(spec: &istio::SidecarSpec) -> model::Sidecar {
    model::Sidecar {
        workload_selector: None,
        egress: spec
            .egress
            .iter()
            .map(|e| model::SidecarEgress {
                hosts: texts(&e.hosts),
                port: None,
            })
            .collect(),
        outbound_traffic_policy: Some(outbound_traffic_policy(&spec.outbound_traffic_policy)),
    }
}

fn outbound_traffic_policy(policy: &istio::OutboundTrafficPolicy) -> model::OutboundTrafficPolicy {
    model::OutboundTrafficPolicy {
        mode: Some(text(&policy.mode)),
    }
}

fn mesh_config(mesh: &istio::MeshConfig) -> model::MeshConfig {
    model::MeshConfig {
        outbound_traffic_policy: Some(outbound_traffic_policy(&mesh.outbound_traffic_policy)),
        ..model::MeshConfig::default()
    }
}

fn authorization_policy(spec: &istio::AuthorizationPolicySpec) -> model::AuthorizationPolicy {
    model::AuthorizationPolicy {
        selector: Some(model::WorkloadSelector {
            match_labels: labels(&spec.selector.match_labels),
            labels: Labels::default(),
        }),
        action: Some(text(&spec.action)),
        rules: spec
            .rules
            .iter()
            .map(|r| model::AuthorizationRule {
                from: r
                    .from
                    .iter()
                    .map(|f| model::RuleFrom {
                        source: Some(model::Source {
                            namespaces: texts(&f.source.namespaces),
                            ..model::Source::default()
                        }),
                    })
                    .collect(),
                // The model keeps an operation's ports only; egressc's name hosts.
                to: r
                    .to
                    .iter()
                    .map(|_| model::RuleTo {
                        operation: Some(model::Operation::default()),
                    })
                    .collect(),
                when: r
                    .when
                    .iter()
                    .map(|c| model::Condition {
                        key: text(&c.key),
                        values: texts(&c.values),
                        not_values: List::default(),
                    })
                    .collect(),
            })
            .collect(),
        target_ref: None,
        target_refs: List::default(),
    }
}

fn network_policy(spec: &istio::NetworkPolicySpec) -> model::NetworkPolicy {
    model::NetworkPolicy {
        pod_selector: Some(label_selector(&spec.pod_selector)),
        policy_types: texts(&spec.policy_types),
        egress: spec
            .egress
            .iter()
            .map(|rule| model::NetworkPolicyEgressRule {
                to: rule
                    .to
                    .iter()
                    .map(|peer| model::NetworkPolicyPeer {
                        pod_selector: peer.pod_selector.as_ref().map(label_selector),
                        namespace_selector: peer.namespace_selector.as_ref().map(label_selector),
                        ip_block: peer.ip_block.as_ref().map(|b| model::IpBlock {
                            cidr: text(&b.cidr),
                        }),
                    })
                    .collect(),
                ports: rule
                    .ports
                    .iter()
                    .map(|p| model::NetworkPolicyPort {
                        protocol: Some(text(&p.protocol)),
                        port: Some(model::IntOrString::Int(p.port.into())),
                        end_port: None,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn label_selector(selector: &istio::LabelSelector) -> model::LabelSelector {
    model::LabelSelector {
        match_labels: labels(&selector.match_labels),
        match_expressions: List::default(),
    }
}
