//! M029 `network-policy-blocks-egress-gateway`: an egress NetworkPolicy in a namespace whose
//! sidecars route through an egress gateway, with no rule that lets them reach its pods.
//!
//! The sidecar's first hop goes to the gateway pods. A NetworkPolicy is enforced below the
//! sidecar, so when none of the namespace's egress policies allows the gateway pods, every
//! connection through the gateway times out (or is refused) at the CNI, while Istio's
//! configuration looks right. The namespaces come from the gateway legs
//! ([`super::Index::gateway_legs`]): the VirtualService's own namespace and those its
//! `exportTo` names, or every namespace when it is exported to `*`. The gateway pods are the
//! Gateway's `selector` in the gateway workload's namespace; the ports are the Service's
//! `targetPort` for the server port, when the input has the Service.

use super::network_policies::{EgressGroup, Pods, egress_groups};
use super::{Finding, Index};
use crate::diagnostic::codes;
use crate::manifest::{Gateway, IntOrString, Spec, Text};

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    let groups = egress_groups(index);
    let mut reported: Vec<(usize, usize)> = Vec::new();
    for leg in index.gateway_legs() {
        let Spec::Gateway(gateway) = &index.manifests[leg.gateway].spec else {
            continue;
        };
        let export_to: &[Text] = if leg.virtual_service.export_to.is_empty() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::rules::tests::run_rule(check, yaml)
    }

    /// An HTTP egress gateway leg for `a.example.com`, its Service (80 -> 8080), and a
    /// NetworkPolicy in `payments` whose third rule is `{GATEWAY_RULE}`.
    fn input(export_to: &str, gateway_rule: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\n\
             metadata: {{name: gw, namespace: istio-system}}\n\
             spec: {{selector: {{istio: egressgateway}}, servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: [a.example.com]}}]}}\n\
             ---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n\
             metadata: {{name: vs, namespace: istio-system}}\n\
             spec: {{hosts: [a.example.com], gateways: [mesh, gw], exportTo: [{export_to}], http: [\
             {{match: [{{gateways: [mesh], port: 80}}], route: [{{destination: {{host: istio-egressgateway.istio-system.svc.cluster.local, port: {{number: 80}}}}}}]}},\
             {{match: [{{gateways: [gw], port: 80}}], route: [{{destination: {{host: a.example.com, port: {{number: 80}}}}}}]}}]}}\n\
             ---\napiVersion: v1\nkind: Service\n\
             metadata: {{name: istio-egressgateway, namespace: istio-system}}\n\
             spec: {{selector: {{istio: egressgateway}}, ports: [{{name: http2, port: 80, targetPort: 8080}}]}}\n\
             ---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
             metadata: {{name: np, namespace: payments}}\n\
             spec: {{podSelector: {{}}, policyTypes: [Egress], egress: [{{ports: [{{protocol: UDP, port: 53}}]}}, {gateway_rule}]}}\n"
        )
    }

    const TO_GATEWAY: &str = "to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}, podSelector: {matchLabels: {istio: egressgateway}}}]";

    #[test]
    fn the_container_port_behind_the_service_port_is_what_counts() {
        let on = |ports: &str| input("\"*\"", &format!("{{{TO_GATEWAY}, ports: [{ports}]}}"));
        assert!(findings(&on("{port: 8080}")).is_empty());
        assert_eq!(findings(&on("{port: 80}")).len(), 1);
        assert!(
            findings(&on("{port: http2}")).is_empty(),
            "a named port is not judged"
        );
        assert!(findings(&input("\"*\"", &format!("{{{TO_GATEWAY}}}"))).is_empty());
    }

    #[test]
    fn only_namespaces_routed_through_the_gateway_are_judged() {
        let blocked = "{to: [{podSelector: {}}]}";
        assert_eq!(findings(&input("\"*\"", blocked)).len(), 1);
        assert_eq!(findings(&input("payments", blocked)).len(), 1);
        assert!(findings(&input("orders", blocked)).is_empty());
    }
}
