//! M029 `network-policy-blocks-egress-gateway`: an egress NetworkPolicy in a namespace whose
//! sidecars route through an egress gateway, with no rule that lets them reach its pods.
//!
//! The sidecar's first hop goes to the gateway pods. A NetworkPolicy is enforced below the
//! sidecar, so when none of the namespace's egress policies allows the gateway pods, every
//! connection through the gateway times out (or is refused) at the CNI, while Istio's
//! configuration looks right. The namespaces come from the gateway legs
//! ([`super::hops::gateway_legs`]): the VirtualService's own namespace and those its
//! `exportTo` names, or every namespace when it is exported to `*`. The gateway pods are the
//! Gateway's `selector` in the gateway workload's namespace; the ports are the Service's
//! `targetPort` for the server port, when the input has the Service.

use super::network_policies::{EgressGroup, Pods, egress_groups};
use super::{Finding, Index};
use crate::diagnostic::codes;
use crate::manifest::{Gateway, IntOrString, Spec};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let groups = egress_groups(index);
    let mut reported: Vec<(usize, usize)> = Vec::new();
    for leg in index.gateway_legs() {
        let Spec::Gateway(gateway) = &index.manifests[leg.gateway].spec else {
            continue;
        };
        let export_to = if leg.virtual_service.export_to.is_empty() {
            &index.mesh.default_virtual_service_export_to
        } else {
            &leg.virtual_service.export_to
        };
        let open = export_to.iter().any(|n| n == "*");
        let workload_namespace = index.gateway_workload_namespace(gateway);
        let pods = Pods {
            namespace: &workload_namespace,
            labels: &gateway.selector,
            ports: target_ports(index, gateway, leg.port),
        };
        for group in &groups {
            let client = open || leg.clients.iter().any(|c| c.namespace == group.namespace);
            if !client
                || group.namespace == workload_namespace
                || reported.contains(&(group.first, leg.gateway))
                || group.allows_pods(&pods)
            {
                continue;
            }
            reported.push((group.first, leg.gateway));
            findings.push(finding(
                index,
                group,
                leg.gateway,
                &workload_namespace,
                leg.vs,
            ));
        }
    }
}

fn finding(
    index: &Index,
    group: &EgressGroup,
    gateway: usize,
    workload_namespace: &str,
    vs: usize,
) -> Finding {
    Finding::new(
        codes::NETWORK_POLICY_BLOCKS_EGRESS_GATEWAY,
        group.first,
        format!(
            "NetworkPolicy {}/{} limits egress, and no egress NetworkPolicy of namespace {} \
             allows its pods to reach the pods of Gateway {}/{} (in {workload_namespace}), \
             which VirtualService {}/{} routes them through: their connections through the \
             gateway never arrive",
            index.namespace(group.first),
            index.name(group.first),
            group.namespace,
            index.namespace(gateway),
            index.name(gateway),
            index.namespace(vs),
            index.name(vs),
        ),
    )
    .related(gateway)
    .related(vs)
    .help(format!(
        "add an egress rule to the gateway pods: `to: [{{namespaceSelector: {{matchLabels: \
         {{kubernetes.io/metadata.name: {workload_namespace}}}}}, podSelector: \
         {{matchLabels: <the Gateway's selector>}}}}]`"
    ))
}

/// The container ports behind the gateway Service's `port`; empty when unknown.
fn target_ports(index: &Index, gateway: &Gateway, port: u32) -> Vec<u32> {
    let Some(Spec::Service(service)) = index
        .gateway_service(gateway)
        .map(|i| &index.manifests[i].spec)
    else {
        return Vec::new();
    };
    service
        .ports
        .iter()
        .filter(|p| p.port == port)
        .map(|p| {
            p.target_port
                .as_ref()
                .map_or(Some(p.port), IntOrString::number)
        })
        .collect::<Option<Vec<u32>>>()
        .unwrap_or_default()
}
