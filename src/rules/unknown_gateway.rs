//! M017 `unknown-gateway`: a VirtualService binds, or a route match names, a Gateway that is
//! not in the input.
//!
//! Istio resolves a gateway reference in the VirtualService's namespace: `name` is
//! `<vs-namespace>/name`, `ns/name` and `./name` are explicit, and the old dotted form
//! `name.ns` (or `name.ns.svc.cluster.local`) means `ns/name`. A reference to a Gateway that
//! does not exist is not an error to Istio: the routes are simply installed on no gateway
//! proxy. For an egress VirtualService that is the gateway hop: sidecars still send the
//! traffic to the egress gateway, which has no route for it (`404` for HTTP, a closed
//! connection for TLS), or, when the name in `match.gateways` is wrong, the route that was
//! meant for the gateway never applies anywhere. The usual cause is a Gateway in
//! `istio-system` referenced by its bare name from another namespace.
//!
//! Istio's analyzer reports the same as IST0101 (ReferencedResourceNotFound, "gateway", from
//! `virtualservice.GatewayAnalyzer`) for `gateways:` entries; `mesh` is exempt. This rule
//! also checks `match.gateways`, and resolves references the way Istio's routing does (the
//! analyzer does not understand the dotted form). A Kubernetes Gateway API `Gateway` of that
//! name is not read by egressc, so a VirtualService bound to one is reported too.

use foldhash::{HashMap, HashMapExt};

use super::index::MESH_GATEWAY;
use super::routes::routes;
use super::{Finding, Index};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let mut gateways = Gateways::new(index);
    for (i, vs) in index.virtual_services() {
        let namespace = index.namespace(i);
        for reference in &vs.gateways {
            if let Some(finding) = unknown(index, &mut gateways, i, namespace, reference, None) {
                findings.push(finding);
            }
        }
        for route in routes(vs) {
            for reference in route.matches.iter().flat_map(|m| &m.gateways) {
                let place = format!("{}[{}].match", route.kind.field(), route.index);
                if let Some(finding) =
                    unknown(index, &mut gateways, i, namespace, reference, Some(&place))
                {
                    findings.push(finding);
                }
            }
        }
    }
}

/// The Gateways of the input as the hints search them, so that a finding does not read
/// every Gateway: by name, and by `namespace/name` with the closest one to each reference
/// already looked for (VirtualServices often share a wrong reference).
struct Gateways<'i> {
    by_name: HashMap<&'i str, Vec<usize>>,
    /// Every Gateway's `namespace/name`, in input order: listed on the first typo.
    qualified: Option<Vec<(usize, String)>>,
    closest: HashMap<String, Option<usize>>,
}

impl<'i> Gateways<'i> {
    fn new(index: &'i Index) -> Gateways<'i> {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (g, _) in index.gateways() {
            by_name.entry(index.name(g)).or_default().push(g);
        }
        Gateways {
            by_name,
            qualified: None,
            closest: HashMap::new(),
        }
    }

    /// The Gateways named `name` in a namespace other than `namespace`.
    fn elsewhere(&self, index: &Index, name: &str, namespace: &str) -> Vec<usize> {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&g| index.namespace(g) != namespace)
            .collect()
    }

    /// The Gateway whose `namespace/name` is closest to a reference that matches none (a
    /// typo).
    fn closest(&mut self, index: &Index, resolved: &str) -> Option<usize> {
        if let Some(&found) = self.closest.get(resolved) {
            return found;
        }
        let qualified = self.qualified.get_or_insert_with(|| {
            index
                .gateways()
                .map(|(g, _)| (g, index.qualified_name(g)))
                .collect()
        });
        let found = qualified
            .iter()
            .map(|(g, candidate)| (strsim::jaro_winkler(candidate, resolved), *g))
            .filter(|(score, _)| *score > 0.9)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, g)| g);
        self.closest.insert(resolved.to_owned(), found);
        found
    }
}

fn unknown(
    index: &Index,
    gateways: &mut Gateways,
    vs_index: usize,
    namespace: &str,
    reference: &str,
    in_match: Option<&str>,
) -> Option<Finding> {
    if reference == MESH_GATEWAY || reference.is_empty() {
        return None;
    }
    let resolved = index.resolve_gateway_name(reference, namespace);
    if index.gateway(&resolved).is_some() {
        return None;
    }
    let (gateway_namespace, name) = resolved.split_once('/').unwrap_or(("", &resolved));
    let as_written = if resolved == reference {
        format!("`{reference}`")
    } else {
        format!("`{reference}` ({resolved})")
    };
    // The same name in another namespace is the usual mistake: say where it is.
    let elsewhere = gateways.elsewhere(index, name, gateway_namespace);
    let effect = match in_match {
        None => "its routes are installed on no gateway proxy, so traffic sent to the gateway \
                 finds no route there (404, or a closed connection for TLS)"
            .to_owned(),
        Some(place) => format!("the route whose `{place}` names it never applies"),
    };
    let field = in_match.map_or_else(
        || "`gateways`".to_owned(),
        |place| format!("`{place}.gateways`"),
    );
    let mut finding = Finding::new(
        codes::UNKNOWN_GATEWAY,
        vs_index,
        format!(
            "VirtualService names Gateway {as_written} in {field}, which is not in the input: \
             if it does not exist in the cluster either, {effect}"
        ),
    );
    if let Some(&other) = elsewhere.first() {
        let other_namespace = index.namespace(other);
        finding = finding.related(other).help(format!(
            "a Gateway named {name} is in namespace {other_namespace}: write \
             `{other_namespace}/{name}` (a bare name means a Gateway in the VirtualService's \
             own namespace, {namespace})"
        ));
    } else if let Some(close) = gateways.closest(index, &resolved) {
        finding = finding.related(close).help(format!(
            "did you mean `{}/{}`?",
            index.namespace(close),
            index.name(close)
        ));
    } else {
        finding = finding.help(
            "create the Gateway, or fix the reference: `name` for a Gateway in the \
             VirtualService's namespace, `namespace/name` for one elsewhere, `mesh` for the \
             sidecars",
        );
    }
    Some(finding)
}
