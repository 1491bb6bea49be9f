//! The built-in templates, embedded in the binary: one a kind egressc emits. They render
//! exactly what the native writer writes (a test proves it for every example), so a kind
//! that is not overridden is written natively, without minijinja.

use crate::istio::Resource;

/// A built-in template: its file name (what `--templates DIR` overrides) and its text.
pub struct Builtin {
    pub name: &'static str,
    pub source: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "service-entry.yaml.j2",
        source: include_str!("builtin/service-entry.yaml.j2"),
    },
    Builtin {
        name: "gateway.yaml.j2",
        source: include_str!("builtin/gateway.yaml.j2"),
    },
    Builtin {
        name: "destination-rule.yaml.j2",
        source: include_str!("builtin/destination-rule.yaml.j2"),
    },
    Builtin {
        name: "virtual-service.yaml.j2",
        source: include_str!("builtin/virtual-service.yaml.j2"),
    },
    Builtin {
        name: "authorization-policy.yaml.j2",
        source: include_str!("builtin/authorization-policy.yaml.j2"),
    },
    Builtin {
        name: "telemetry.yaml.j2",
        source: include_str!("builtin/telemetry.yaml.j2"),
    },
    Builtin {
        name: "sidecar.yaml.j2",
        source: include_str!("builtin/sidecar.yaml.j2"),
    },
    Builtin {
        name: "network-policy.yaml.j2",
        source: include_str!("builtin/network-policy.yaml.j2"),
    },
    Builtin {
        name: "istio-operator.yaml.j2",
        source: include_str!("builtin/istio-operator.yaml.j2"),
    },
    Builtin {
        name: "mesh-config-map.yaml.j2",
        source: include_str!("builtin/mesh-config-map.yaml.j2"),
    },
    Builtin {
        name: "istiod-values.yaml.j2",
        source: include_str!("builtin/istiod-values.yaml.j2"),
    },
];

/// The built-in template that renders a resource.
pub fn template_for(resource: &Resource) -> &'static str {
    match resource {
        Resource::ServiceEntry(_) => "service-entry.yaml.j2",
        Resource::Gateway(_) => "gateway.yaml.j2",
        Resource::DestinationRule(_) => "destination-rule.yaml.j2",
        Resource::VirtualService(_) => "virtual-service.yaml.j2",
        Resource::AuthorizationPolicy(_) => "authorization-policy.yaml.j2",
        Resource::Telemetry(_) => "telemetry.yaml.j2",
        Resource::Sidecar(_) => "sidecar.yaml.j2",
        Resource::NetworkPolicy(_) => "network-policy.yaml.j2",
        Resource::IstioOperator(_) => "istio-operator.yaml.j2",
        Resource::MeshConfigMap(_) => "mesh-config-map.yaml.j2",
        Resource::IstiodValues(_) => "istiod-values.yaml.j2",
    }
}

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.iter().any(|b| b.name == name)
}

/// Extra templates render once a host (`host-*.yaml.j2`) or once a policy
/// (`policy-*.yaml.j2`); partials (`_*.j2`) are only included by other templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    PerHost,
    PerPolicy,
    Partial,
}

/// Names are matched exactly, as minijinja names templates: `.J2` is not a template.
#[allow(clippy::case_sensitive_file_extension_comparisons)]
pub fn extra_scope(name: &str) -> Option<Scope> {
    if name.starts_with('_') && name.ends_with(".j2") {
        Some(Scope::Partial)
    } else if !name.ends_with(".yaml.j2") {
        None
    } else if name.starts_with("host-") {
        Some(Scope::PerHost)
    } else if name.starts_with("policy-") {
        Some(Scope::PerPolicy)
    } else {
        None
    }
}
