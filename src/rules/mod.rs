//! The rule engine: known egress mistakes, judged on manifests.
//!
//! The rules read [`crate::manifest`]s, never the policy, so one set judges what `build`
//! emits and YAML anyone wrote (`egressc check`). Each rule is one file here, named after
//! its code's name, with its doc page in `docs/rules/<CODE>-<name>.md` (printed by
//! `egressc rule`). Lookups that depend on how Istio resolves things (namespaces,
//! `exportTo`, gateway references, the DestinationRule lookup) live in [`index`], so every
//! rule reads Istio the same way.
//!
//! A rule reports [`Finding`]s at its default severity; [`Severities`] applies the user's
//! `--deny/--warn/--allow` and the policy's `rules` block afterwards.

pub mod hops;
pub mod host_map;
pub mod hosts;
pub mod index;
pub mod merged_rules;
pub mod network_policies;
pub mod routes;

mod allow_any_outbound;
mod authorization_without_mutual_hop;
mod conflicting_gateways;
mod conflicting_mesh_virtual_services;
mod conflicting_protocols;
mod destination_host_not_fqdn;
mod gateway_subset_invisible;
mod hidden_by_export_to;
mod hidden_by_sidecar;
mod host_not_in_gateway;
mod istio_mutual_not_originated;
mod network_policy_blocks_dns;
mod network_policy_blocks_egress_gateway;
mod no_server_verification;
mod origination_to_wildcard;
mod passthrough_with_istio_mutual;
mod port_not_on_gateway;
mod port_protocol_mismatch;
mod registry_only_without_network_policy;
mod resolution_none_through_gateway;
mod route_kind_mismatch;
mod route_skips_gateway;
mod sidecar_hides_istio_system;
mod tcp_without_addresses;
mod tls_inside_tls;
mod unknown_gateway;
mod unknown_subset;
mod unresolvable_wildcard;

use std::collections::HashMap;

pub use index::Index;

use crate::diagnostic::{Code, Severity, codes};

/// A rule: a code, a default severity, a doc page and the check itself.
pub struct Rule {
    pub code: Code,
    pub severity: Severity,
    /// The doc page, Markdown: What it does / Why is this bad / Example / Use instead /
    /// References.
    pub doc: &'static str,
    /// Codes of `istioctl analyze` that report the same resources, if any.
    pub istio_codes: &'static [&'static str],
    pub check: fn(&Index, &mut Vec<Finding>),
}

/// A rule's judgement on one resource.
#[derive(Clone, Debug)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The resource at fault (an index into the manifests).
    pub resource: usize,
    pub message: String,
    /// Other resources involved (the other side of a conflict, the Gateway of a route).
    pub related: Vec<usize>,
    pub help: Option<String>,
}

impl Finding {
    /// A finding at the rule's default severity.
    pub fn new(code: Code, resource: usize, message: impl Into<String>) -> Finding {
        let severity = rule(code.id).map_or(Severity::Error, |r| r.severity);
        Finding {
            code,
            severity,
            resource,
            message: message.into(),
            related: Vec::new(),
            help: None,
        }
    }

    #[must_use]
    pub fn related(mut self, resource: usize) -> Finding {
        if resource != self.resource && !self.related.contains(&resource) {
            self.related.push(resource);
        }
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }
}

macro_rules! rule {
    ($module:ident, $code:ident, $severity:ident, $doc:literal, [$($istio:literal),*]) => {
        Rule {
            code: codes::$code,
            severity: Severity::$severity,
            doc: include_str!(concat!("../../docs/rules/", $doc)),
            istio_codes: &[$($istio),*],
            check: $module::check,
        }
    };
}

/// Every rule, in code order.
pub static RULES: &[Rule] = &[
    rule!(
        tls_inside_tls,
        TLS_INSIDE_TLS,
        Error,
        "M001-tls-inside-tls.md",
        []
    ),
    rule!(
        tcp_without_addresses,
        TCP_WITHOUT_ADDRESSES,
        Error,
        "M002-tcp-without-addresses.md",
        ["IST0134"]
    ),
    rule!(
        conflicting_protocols,
        CONFLICTING_PROTOCOLS,
        Error,
        "M003-conflicting-protocols.md",
        ["IST0177"]
    ),
    rule!(
        unresolvable_wildcard,
        UNRESOLVABLE_WILDCARD,
        Error,
        "M004-unresolvable-wildcard.md",
        []
    ),
    rule!(
        port_not_on_gateway,
        PORT_NOT_ON_GATEWAY,
        Error,
        "M005-port-not-on-gateway.md",
        ["IST0162"]
    ),
    rule!(
        origination_to_wildcard,
        ORIGINATION_TO_WILDCARD,
        Error,
        "M008-origination-to-wildcard.md",
        []
    ),
    rule!(
        passthrough_with_istio_mutual,
        PASSTHROUGH_WITH_ISTIO_MUTUAL,
        Error,
        "M009-passthrough-with-istio-mutual.md",
        []
    ),
    rule!(
        istio_mutual_not_originated,
        ISTIO_MUTUAL_NOT_ORIGINATED,
        Error,
        "M010-istio-mutual-not-originated.md",
        []
    ),
    rule!(
        route_kind_mismatch,
        ROUTE_KIND_MISMATCH,
        Error,
        "M011-route-kind-mismatch.md",
        []
    ),
    rule!(
        port_protocol_mismatch,
        PORT_PROTOCOL_MISMATCH,
        Warning,
        "M012-port-protocol-mismatch.md",
        []
    ),
    rule!(
        resolution_none_through_gateway,
        RESOLUTION_NONE_THROUGH_GATEWAY,
        Error,
        "M013-resolution-none-through-gateway.md",
        []
    ),
    rule!(
        route_skips_gateway,
        ROUTE_SKIPS_GATEWAY,
        Error,
        "M014-route-skips-gateway.md",
        []
    ),
    rule!(
        destination_host_not_fqdn,
        DESTINATION_HOST_NOT_FQDN,
        Error,
        "M015-destination-host-not-fqdn.md",
        []
    ),
    rule!(
        unknown_subset,
        UNKNOWN_SUBSET,
        Error,
        "M016-unknown-subset.md",
        ["IST0101"]
    ),
    rule!(
        unknown_gateway,
        UNKNOWN_GATEWAY,
        Error,
        "M017-unknown-gateway.md",
        ["IST0101"]
    ),
    rule!(
        host_not_in_gateway,
        HOST_NOT_IN_GATEWAY,
        Error,
        "M018-host-not-in-gateway.md",
        ["IST0132"]
    ),
    rule!(
        conflicting_mesh_virtual_services,
        CONFLICTING_MESH_VIRTUAL_SERVICES,
        Error,
        "M019-conflicting-mesh-virtual-services.md",
        ["IST0109"]
    ),
    rule!(
        conflicting_gateways,
        CONFLICTING_GATEWAYS,
        Error,
        "M020-conflicting-gateways.md",
        ["IST0145"]
    ),
    rule!(
        hidden_by_export_to,
        HIDDEN_BY_EXPORT_TO,
        Error,
        "M021-hidden-by-export-to.md",
        []
    ),
    rule!(
        gateway_subset_invisible,
        GATEWAY_SUBSET_INVISIBLE,
        Error,
        "M022-gateway-subset-invisible.md",
        []
    ),
    rule!(
        hidden_by_sidecar,
        HIDDEN_BY_SIDECAR,
        Error,
        "M023-hidden-by-sidecar.md",
        []
    ),
    rule!(
        no_server_verification,
        NO_SERVER_VERIFICATION,
        Warning,
        "M024-no-server-verification.md",
        ["IST0128", "IST0129"]
    ),
    rule!(
        authorization_without_mutual_hop,
        AUTHORIZATION_WITHOUT_MUTUAL_HOP,
        Error,
        "M025-authorization-without-mutual-hop.md",
        []
    ),
    rule!(
        allow_any_outbound,
        ALLOW_ANY_OUTBOUND,
        Warning,
        "M026-allow-any-outbound.md",
        []
    ),
    rule!(
        registry_only_without_network_policy,
        REGISTRY_ONLY_WITHOUT_NETWORK_POLICY,
        Info,
        "M027-registry-only-without-network-policy.md",
        []
    ),
    rule!(
        network_policy_blocks_dns,
        NETWORK_POLICY_BLOCKS_DNS,
        Error,
        "M028-network-policy-blocks-dns.md",
        []
    ),
    rule!(
        network_policy_blocks_egress_gateway,
        NETWORK_POLICY_BLOCKS_EGRESS_GATEWAY,
        Error,
        "M029-network-policy-blocks-egress-gateway.md",
        []
    ),
    rule!(
        sidecar_hides_istio_system,
        SIDECAR_HIDES_ISTIO_SYSTEM,
        Warning,
        "M030-sidecar-hides-istio-system.md",
        []
    ),
];

/// The rule with this code id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.id == id)
}

/// Finds a rule by code (`M001`, any case) or name (`tls-inside-tls`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    let code = codes::find(code_or_name)?;
    rule(code.id)
}

/// What the user asked a rule's findings to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Deny,
    Warn,
    Allow,
}

/// Severity overrides by rule code, applied after the rules ran. Later settings win, so
/// the command line (applied last) overrides the policy.
#[derive(Clone, Debug, Default)]
pub struct Severities {
    levels: HashMap<&'static str, Level>,
}

impl Severities {
    /// Sets a rule's level; `Err` with a hint when the code or name is not a rule.
    pub fn set(&mut self, code_or_name: &str, level: Level) -> Result<(), String> {
        match find(code_or_name) {
            Some(rule) => {
                self.levels.insert(rule.code.id, level);
                Ok(())
            }
            None => Err(unknown_rule_message(code_or_name)),
        }
    }

    /// The severity a finding ends up with; `None` when its rule is allowed.
    pub fn apply(&self, finding: &Finding) -> Option<Severity> {
        match self.levels.get(finding.code.id) {
            None => Some(finding.severity),
            Some(Level::Deny) => Some(Severity::Error),
            Some(Level::Warn) => Some(Severity::Warning),
            Some(Level::Allow) => None,
        }
    }
}

/// "no rule X" with the closest rule name or code as a hint.
pub fn unknown_rule_message(code_or_name: &str) -> String {
    let closest = RULES
        .iter()
        .flat_map(|r| [r.code.id, r.code.name])
        .map(|candidate| (strsim::jaro_winkler(candidate, code_or_name), candidate))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.8);
    match closest {
        Some((_, candidate)) => {
            format!("`{code_or_name}` is not a rule; did you mean `{candidate}`?")
        }
        None => format!("`{code_or_name}` is not a rule; `egressc rule --list` shows the rules"),
    }
}

/// Runs every rule and applies the severity overrides. Findings come out sorted by
/// resource, then code, so output is stable whatever order rules run in.
pub fn run(index: &Index, severities: &Severities) -> Vec<Finding> {
    let mut findings: Vec<Finding> = check_all(index)
        .into_iter()
        .filter_map(|mut f| {
            f.severity = severities.apply(&f)?;
            Some(f)
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.resource, a.code.id, &a.message).cmp(&(b.resource, b.code.id, &b.message))
    });
    findings
        .dedup_by(|a, b| a.resource == b.resource && a.code == b.code && a.message == b.message);
    findings
}

/// Every rule's findings. The rules only read the index, so they run side by side on every
/// core, each thread taking the next rule when it is done with one; the caller sorts.
fn check_all(index: &Index) -> Vec<Finding> {
    index.build_shared_tables();
    crate::parallel::map(RULES, |rule| {
        let mut findings = Vec::new();
        (rule.check)(index, &mut findings);
        findings
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests;
