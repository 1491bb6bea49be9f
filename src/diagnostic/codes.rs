//! The table of diagnostic codes: one place to find every code, its name and what it means.
//!
//! Codes are stable: once released, a code keeps its meaning and is never reused.
//! `E` codes say the input is not a valid policy (exit 2); `M` codes say the policy asks for a
//! configuration that is known to break in Istio (exit 1). The `M` codes are shared with the
//! manifest rules, so one mistake has one code whether it is caught in the policy or in YAML.

/// What a code is about, which decides the exit code of a refused run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// The input cannot be read as a policy: syntax, unknown names, bad values.
    InvalidInput,
    /// The policy is well-formed but asks for a known mistake.
    Mistake,
}

/// A diagnostic code: `E012` and its kebab-case name `invalid-hostname`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: CodeKind,
    /// One line saying what the code means, for listings.
    pub summary: &'static str,
}

const fn input(id: &'static str, name: &'static str, summary: &'static str) -> Code {
    Code {
        id,
        name,
        kind: CodeKind::InvalidInput,
        summary,
    }
}

const fn mistake(id: &'static str, name: &'static str, summary: &'static str) -> Code {
    Code {
        id,
        name,
        kind: CodeKind::Mistake,
        summary,
    }
}

pub const KDL_SYNTAX: Code = input("E001", "kdl-syntax", "the file is not valid KDL v2");
pub const NOT_UTF8: Code = input("E002", "not-utf8", "the file is not UTF-8 text");
pub const EMPTY_POLICY: Code = input("E003", "empty-policy", "the file declares nothing");
pub const MISSING_VERSION: Code = input("E004", "missing-version", "the file has no `version 1`");
pub const UNSUPPORTED_VERSION: Code = input(
    "E005",
    "unsupported-version",
    "the policy language version is not one this egressc reads",
);
pub const UNKNOWN_NODE: Code = input("E006", "unknown-node", "a node the language does not have");
pub const UNKNOWN_PROPERTY: Code = input(
    "E007",
    "unknown-property",
    "a property the node does not take",
);
pub const WRONG_TYPE: Code = input("E008", "wrong-type", "a value of the wrong type");
pub const WRONG_ARGUMENTS: Code = input(
    "E009",
    "wrong-arguments",
    "too few or too many arguments for a node",
);
pub const DUPLICATE: Code = input(
    "E010",
    "duplicate",
    "a node or property given twice where one is allowed",
);
pub const INVALID_HOSTNAME: Code = input(
    "E011",
    "invalid-hostname",
    "not a lower-case FQDN or `*.` wildcard",
);
pub const INVALID_PORT: Code = input("E012", "invalid-port", "a port outside 1-65535");
pub const INVALID_ADDRESS: Code = input("E013", "invalid-address", "not an IP address or CIDR");
pub const INVALID_NAMESPACE: Code = input(
    "E014",
    "invalid-namespace",
    "not a Kubernetes namespace name (DNS-1123 label)",
);
pub const INVALID_METADATA: Code = input(
    "E015",
    "invalid-metadata",
    "a label or annotation Kubernetes would reject",
);
pub const INVALID_VALUE: Code = input("E016", "invalid-value", "a value outside the allowed set");
pub const MISSING_NODE: Code = input("E017", "missing-node", "a required child node is missing");
pub const CONFLICTING_DECLARATIONS: Code = input(
    "E018",
    "conflicting-declarations",
    "two declarations of one thing disagree",
);
pub const MISPLACED: Code = input(
    "E019",
    "misplaced",
    "a node or property that has no meaning where it is written",
);

pub const UNREADABLE_MANIFEST: Code = input(
    "E020",
    "unreadable-manifest",
    "a manifest document that is not YAML or not a Kubernetes object",
);
pub const IGNORED_FIELD: Code = input(
    "E021",
    "ignored-field",
    "a manifest field that could not be read and was left out",
);
pub const UNKNOWN_RULE: Code = input(
    "E022",
    "unknown-rule",
    "a severity override that names no rule",
);
pub const DUPLICATE_RESOURCE: Code = input(
    "E023",
    "duplicate-resource",
    "two deployed manifests that are one resource (same group, kind, namespace and name)",
);
pub const NEEDS_NEWER_ISTIO: Code = input(
    "E030",
    "needs-newer-istio",
    "the policy needs a feature the target Istio version (`--istio-version`) lacks",
);
pub const TEMPLATE_ERROR: Code = input(
    "E031",
    "template-error",
    "a template that does not parse or does not render (syntax, undefined variable)",
);
pub const TEMPLATE_OUTPUT: Code = input(
    "E032",
    "template-output",
    "a template whose output is not YAML or not Kubernetes objects",
);

pub const TLS_INSIDE_TLS: Code = mistake(
    "M001",
    "tls-inside-tls",
    "TLS originated toward a port where the app already speaks TLS",
);
pub const TCP_WITHOUT_ADDRESSES: Code = mistake(
    "M002",
    "tcp-without-addresses",
    "a TCP port without addresses captures every connection on that port",
);
pub const CONFLICTING_PROTOCOLS: Code = mistake(
    "M003",
    "conflicting-protocols",
    "one host and port declared with two protocols",
);
pub const UNRESOLVABLE_WILDCARD: Code = mistake(
    "M004",
    "unresolvable-wildcard",
    "a wildcard host routed where DNS must resolve it",
);
pub const PORT_NOT_ON_GATEWAY: Code = mistake(
    "M005",
    "port-not-on-gateway",
    "a route through the egress gateway on a port the gateway does not expose",
);
pub const GATEWAY_PORT_PROTOCOL_CLASH: Code = mistake(
    "M006",
    "gateway-port-protocol-clash",
    "one gateway port asked to serve plain HTTP and TLS",
);
pub const CIDR_THROUGH_GATEWAY: Code = mistake(
    "M007",
    "cidr-through-gateway",
    "an address range routed through the gateway, which needs one address to forward to",
);
pub const ORIGINATION_TO_WILDCARD: Code = mistake(
    "M008",
    "origination-to-wildcard",
    "TLS originated toward a wildcard, which has no single name to verify",
);

pub const PASSTHROUGH_WITH_ISTIO_MUTUAL: Code = mistake(
    "M009",
    "passthrough-with-istio-mutual",
    "the sidecar wraps Istio mTLS around a stream the gateway only passes through",
);
pub const ISTIO_MUTUAL_NOT_ORIGINATED: Code = mistake(
    "M010",
    "istio-mutual-not-originated",
    "the gateway expects Istio mTLS that no sidecar-side DestinationRule sends",
);
pub const ROUTE_KIND_MISMATCH: Code = mistake(
    "M011",
    "route-kind-mismatch",
    "http routes on a passthrough server, or tls routes on a terminating one",
);
pub const PORT_PROTOCOL_MISMATCH: Code = mistake(
    "M012",
    "port-protocol-mismatch",
    "a TLS port declared HTTP, or a plain HTTP port declared TLS",
);
pub const RESOLUTION_NONE_THROUGH_GATEWAY: Code = mistake(
    "M013",
    "resolution-none-through-gateway",
    "`resolution: NONE` for a host the egress gateway forwards to, which loops to itself",
);
pub const ROUTE_SKIPS_GATEWAY: Code = mistake(
    "M014",
    "route-skips-gateway",
    "a route that leaves the mesh without passing the egress gateway, or a missing hop",
);
pub const DESTINATION_HOST_NOT_FQDN: Code = mistake(
    "M015",
    "destination-host-not-fqdn",
    "a short service name where Istio needs the full `.svc.cluster.local` name",
);
pub const UNKNOWN_SUBSET: Code = mistake(
    "M016",
    "unknown-subset",
    "a route to a subset that no DestinationRule defines",
);
pub const UNKNOWN_GATEWAY: Code = mistake(
    "M017",
    "unknown-gateway",
    "a VirtualService bound to a Gateway that does not exist",
);
pub const HOST_NOT_IN_GATEWAY: Code = mistake(
    "M018",
    "host-not-in-gateway",
    "a VirtualService host that the bound Gateway does not serve",
);
pub const CONFLICTING_MESH_VIRTUAL_SERVICES: Code = mistake(
    "M019",
    "conflicting-mesh-virtual-services",
    "two mesh VirtualServices for one host; only one takes effect",
);
pub const CONFLICTING_GATEWAYS: Code = mistake(
    "M020",
    "conflicting-gateways",
    "two Gateways on the same workload claim the same port and host",
);
pub const HIDDEN_BY_EXPORT_TO: Code = mistake(
    "M021",
    "hidden-by-export-to",
    "`exportTo` hides a resource from a namespace whose traffic needs it",
);
pub const GATEWAY_SUBSET_INVISIBLE: Code = mistake(
    "M022",
    "gateway-subset-invisible",
    "the gateway-subset DestinationRule is not found from a client namespace",
);
pub const HIDDEN_BY_SIDECAR: Code = mistake(
    "M023",
    "hidden-by-sidecar",
    "a Sidecar's egress hosts hide an entry its namespace routes to",
);
pub const NO_SERVER_VERIFICATION: Code = mistake(
    "M024",
    "no-server-verification",
    "TLS origination that does not verify the server's certificate",
);
pub const AUTHORIZATION_WITHOUT_MUTUAL_HOP: Code = mistake(
    "M025",
    "authorization-without-mutual-hop",
    "a gateway AuthorizationPolicy on source identity, which the hop does not carry",
);
pub const ALLOW_ANY_OUTBOUND: Code = mistake(
    "M026",
    "allow-any-outbound",
    "`outboundTrafficPolicy: ALLOW_ANY` while egress is meant to be controlled",
);

pub const REGISTRY_ONLY_WITHOUT_NETWORK_POLICY: Code = mistake(
    "M027",
    "registry-only-without-network-policy",
    "a namespace under REGISTRY_ONLY that no egress NetworkPolicy guards against pods without a sidecar",
);
pub const NETWORK_POLICY_BLOCKS_DNS: Code = mistake(
    "M028",
    "network-policy-blocks-dns",
    "an egress NetworkPolicy that allows no DNS (UDP 53)",
);
pub const NETWORK_POLICY_BLOCKS_EGRESS_GATEWAY: Code = mistake(
    "M029",
    "network-policy-blocks-egress-gateway",
    "an egress NetworkPolicy that blocks the egress gateway its namespace routes through",
);
pub const SIDECAR_HIDES_ISTIO_SYSTEM: Code = mistake(
    "M030",
    "sidecar-hides-istio-system",
    "a Sidecar whose egress hosts hide the istio-system namespace",
);
pub const SIDECAR_HOST_WITHOUT_ADDRESSES: Code = mistake(
    "M031",
    "sidecar-host-without-addresses",
    "a host leaving from the sidecar without addresses, in a namespace with a generated NetworkPolicy",
);

/// Every code, in order. Tests check ids are unique and sorted.
pub const ALL: &[Code] = &[
    KDL_SYNTAX,
    NOT_UTF8,
    EMPTY_POLICY,
    MISSING_VERSION,
    UNSUPPORTED_VERSION,
    UNKNOWN_NODE,
    UNKNOWN_PROPERTY,
    WRONG_TYPE,
    WRONG_ARGUMENTS,
    DUPLICATE,
    INVALID_HOSTNAME,
    INVALID_PORT,
    INVALID_ADDRESS,
    INVALID_NAMESPACE,
    INVALID_METADATA,
    INVALID_VALUE,
    MISSING_NODE,
    CONFLICTING_DECLARATIONS,
    MISPLACED,
    UNREADABLE_MANIFEST,
    IGNORED_FIELD,
    UNKNOWN_RULE,
    DUPLICATE_RESOURCE,
    NEEDS_NEWER_ISTIO,
    TEMPLATE_ERROR,
    TEMPLATE_OUTPUT,
    TLS_INSIDE_TLS,
    TCP_WITHOUT_ADDRESSES,
    CONFLICTING_PROTOCOLS,
    UNRESOLVABLE_WILDCARD,
    PORT_NOT_ON_GATEWAY,
    GATEWAY_PORT_PROTOCOL_CLASH,
    CIDR_THROUGH_GATEWAY,
    ORIGINATION_TO_WILDCARD,
    PASSTHROUGH_WITH_ISTIO_MUTUAL,
    ISTIO_MUTUAL_NOT_ORIGINATED,
    ROUTE_KIND_MISMATCH,
    PORT_PROTOCOL_MISMATCH,
    RESOLUTION_NONE_THROUGH_GATEWAY,
    ROUTE_SKIPS_GATEWAY,
    DESTINATION_HOST_NOT_FQDN,
    UNKNOWN_SUBSET,
    UNKNOWN_GATEWAY,
    HOST_NOT_IN_GATEWAY,
    CONFLICTING_MESH_VIRTUAL_SERVICES,
    CONFLICTING_GATEWAYS,
    HIDDEN_BY_EXPORT_TO,
    GATEWAY_SUBSET_INVISIBLE,
    HIDDEN_BY_SIDECAR,
    NO_SERVER_VERIFICATION,
    AUTHORIZATION_WITHOUT_MUTUAL_HOP,
    ALLOW_ANY_OUTBOUND,
    REGISTRY_ONLY_WITHOUT_NETWORK_POLICY,
    NETWORK_POLICY_BLOCKS_DNS,
    NETWORK_POLICY_BLOCKS_EGRESS_GATEWAY,
    SIDECAR_HIDES_ISTIO_SYSTEM,
    SIDECAR_HOST_WITHOUT_ADDRESSES,
];

/// Finds a code by its id (`M001`, any case) or its name (`tls-inside-tls`).
pub fn find(code_or_name: &str) -> Option<Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_sorted() {
        for pair in ALL.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].id,
                pair[1].id
            );
        }
        let mut names: Vec<_> = ALL.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "names are unique");
    }

    #[test]
    fn names_are_kebab_case() {
        for code in ALL {
            assert!(
                code.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                code.name
            );
        }
    }
}
