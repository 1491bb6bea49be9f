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
use crate::manifest::{self as model, KnownKind, Manifest, ResourceRef, Spec, Status};

/// The manifest the rules read for `resource`; `None` for kinds the rules do not read.
pub fn manifest_of(resource: &Resource) -> Option<Manifest> {
    let spec = match resource {
        Resource::ServiceEntry(o) => Spec::ServiceEntry(service_entry(&o.spec)),
        Resource::Gateway(o) => Spec::Gateway(gateway(&o.spec)),
        Resource::VirtualService(o) => Spec::VirtualService(virtual_service(&o.spec)),
        Resource::DestinationRule(o) => Spec::DestinationRule(destination_rule(&o.spec)),
        Resource::Sidecar(o) => Spec::Sidecar(sidecar(&o.spec)),
        Resource::AuthorizationPolicy(o) => {
            Spec::AuthorizationPolicy(authorization_policy(&o.spec))
        }
        Resource::NetworkPolicy(o) => Spec::NetworkPolicy(network_policy(&o.spec)),
        Resource::IstioOperator(o) => Spec::MeshConfig(
            KnownKind::IstioOperator,
            Some(mesh_config(&o.spec.mesh_config)),
        ),
        Resource::MeshConfigMap(_) => return through_json(resource),
        Resource::Telemetry(_) | Resource::IstiodValues(_) => return None,
    };
    let type_meta = resource.type_meta()?;
    let metadata = resource.metadata()?;
    Some(Manifest {
        id: ResourceRef {
            api_version: type_meta.api_version.clone(),
            kind: type_meta.kind.clone(),
            namespace: metadata.namespace.clone(),
            name: metadata.name.clone(),
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

fn strings(items: &[String]) -> Vec<String> {
    items.to_vec()
}

fn service_entry(spec: &istio::ServiceEntrySpec) -> model::ServiceEntry {
    model::ServiceEntry {
        hosts: strings(&spec.hosts),
        addresses: strings(&spec.addresses),
        ports: spec
            .ports
            .iter()
            .map(|p| model::ServiceEntryPort {
                number: p.number.into(),
                protocol: Some(p.protocol.clone()),
                name: Some(p.name.clone()),
                target_port: p.target_port.map(u32::from),
            })
            .collect(),
        location: spec.location.clone(),
        resolution: spec.resolution.clone(),
        endpoints: spec
            .endpoints
            .iter()
            .map(|e| model::WorkloadEntry {
                address: Some(e.address.clone()),
                ports: std::collections::BTreeMap::new(),
            })
            .collect(),
        export_to: strings(&spec.export_to),
        workload_selector: None,
        subject_alt_names: Vec::new(),
    }
}

fn gateway(spec: &istio::GatewaySpec) -> model::Gateway {
    model::Gateway {
        selector: spec.selector.clone(),
        servers: spec
            .servers
            .iter()
            .map(|s| model::Server {
                port: Some(model::ServerPort {
                    number: s.port.number.into(),
                    protocol: Some(s.port.protocol.clone()),
                    name: Some(s.port.name.clone()),
                    target_port: None,
                }),
                hosts: strings(&s.hosts),
                tls: s.tls.as_ref().map(|t| model::ServerTls {
                    mode: Some(t.mode.clone()),
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
        hosts: strings(&spec.hosts),
        gateways: strings(&spec.gateways),
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
        export_to: strings(&spec.export_to),
    }
}

fn route_matches(matches: &[istio::RouteMatch]) -> Vec<model::RouteMatch> {
    matches
        .iter()
        .map(|m| model::RouteMatch {
            gateways: strings(&m.gateways),
            port: m.port.map(u32::from),
            sni_hosts: strings(&m.sni_hosts),
        })
        .collect()
}

fn route_destinations(route: &[istio::RouteDestination]) -> Vec<model::RouteDestination> {
    route
        .iter()
        .map(|r| model::RouteDestination {
            destination: Some(model::Destination {
                host: r.destination.host.clone(),
                subset: r.destination.subset.clone(),
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
        host: spec.host.clone(),
        traffic_policy: spec.traffic_policy.as_ref().map(traffic_policy),
        subsets: spec
            .subsets
            .iter()
            .map(|s| model::Subset {
                name: s.name.clone(),
                labels: std::collections::BTreeMap::new(),
                traffic_policy: s.traffic_policy.as_ref().map(traffic_policy),
            })
            .collect(),
        export_to: strings(&spec.export_to),
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
                    mode: Some(p.tls.mode.clone()),
                    ca_certificates: p.tls.ca_certificates.clone(),
                    credential_name: None,
                    subject_alt_names: strings(&p.tls.subject_alt_names),
                    sni: p.tls.sni.clone(),
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
                hosts: strings(&e.hosts),
                port: None,
            })
            .collect(),
        outbound_traffic_policy: Some(outbound_traffic_policy(&spec.outbound_traffic_policy)),
    }
}

fn outbound_traffic_policy(policy: &istio::OutboundTrafficPolicy) -> model::OutboundTrafficPolicy {
    model::OutboundTrafficPolicy {
        mode: Some(policy.mode.clone()),
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
            match_labels: spec.selector.match_labels.clone(),
            labels: std::collections::BTreeMap::new(),
        }),
        action: Some(spec.action.clone()),
        rules: spec
            .rules
            .iter()
            .map(|r| model::AuthorizationRule {
                from: r
                    .from
                    .iter()
                    .map(|f| model::RuleFrom {
                        source: Some(model::Source {
                            namespaces: strings(&f.source.namespaces),
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
                        key: c.key.clone(),
                        values: strings(&c.values),
                        not_values: Vec::new(),
                    })
                    .collect(),
            })
            .collect(),
        target_ref: None,
        target_refs: Vec::new(),
    }
}

fn network_policy(spec: &istio::NetworkPolicySpec) -> model::NetworkPolicy {
    model::NetworkPolicy {
        pod_selector: Some(label_selector(&spec.pod_selector)),
        policy_types: strings(&spec.policy_types),
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
                            cidr: b.cidr.clone(),
                        }),
                    })
                    .collect(),
                ports: rule
                    .ports
                    .iter()
                    .map(|p| model::NetworkPolicyPort {
                        protocol: Some(p.protocol.clone()),
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
        match_labels: selector.match_labels.clone(),
        match_expressions: Vec::new(),
    }
}
