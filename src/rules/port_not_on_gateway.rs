//! M005 `port-not-on-gateway`: a Gateway server listens on a port that the Service in front
//! of the gateway pods does not expose.
//!
//! A Gateway only configures listeners on the gateway proxies; traffic reaches them through
//! their Kubernetes Service. Sidecars send the mesh hop of an egress route to
//! `istio-egressgateway.istio-system.svc.cluster.local:<port>`, and Istio builds that
//! cluster from the Service's ports: a port the Service lacks has no cluster, so the hop
//! fails (`503` for HTTP, a closed connection for TLS and TCP) and the Gateway's listener
//! on that port never sees a request.
//!
//! The Service is looked up as Istio's analyzer does (IST0162,
//! GatewayPortNotDefinedOnService): the Services in the input that select the Gateway's pods.
//! The input has no pods, so a Service counts when its selector and the Gateway's could
//! select one pod ([`Index::gateway_services`]); all such Services together expose the
//! ports. A server port is exposed when it is a Service port's `targetPort` (the port the
//! proxy listens on) or the Service port itself (Istio translates a Gateway port that
//! matches a Service port to its `targetPort`). Only TCP ports count (an unset protocol is
//! TCP in Kubernetes). Without such a Service in the input the rule stays quiet.

use std::collections::BTreeSet;

use super::{Finding, Index};
use crate::diagnostic::codes;

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    for (i, gateway) in index.gateways() {
        let services = index.gateway_services(gateway);
        if services.is_empty() {
            continue;
        }
        let mut exposed: BTreeSet<u32> = BTreeSet::new();
        let mut shown: Vec<String> = Vec::new();
        for &s in &services {
            let crate::manifest::Spec::Service(service) = &index.manifests[s].spec else {
                continue;
            };
            for port in &service.ports {
                let tcp = port
                    .protocol
                    .as_deref()
                    .is_none_or(|p| p.is_empty() || p.eq_ignore_ascii_case("TCP"));
                if !tcp || port.port == 0 {
                    continue;
                }
                exposed.insert(port.port);
                match port
                    .target_port
                    .as_ref()
                    .and_then(crate::manifest::IntOrString::number)
                {
                    Some(target) if target != 0 && target != port.port => {
                        exposed.insert(target);
                        shown.push(format!("{} (to {target})", port.port));
                    }
                    _ => shown.push(port.port.to_string()),
                }
            }
        }
        let names: Vec<String> = services
            .iter()
            .map(|&s| format!("{}/{}", index.namespace(s), index.name(s)))
            .collect();
        let service_text = match names.as_slice() {
            [one] => format!("Service {one}"),
            _ => format!("Services {}", names.join(", ")),
        };
        let exposed_text = if shown.is_empty() {
            "no TCP port".to_owned()
        } else {
            format!("ports {}", shown.join(", "))
        };
        let selector: Vec<String> = gateway
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for server in &gateway.servers {
            let Some(number) = server.port.as_ref().map(|p| p.number) else {
                continue;
            };
            if number == 0 || exposed.contains(&number) {
                continue;
            }
            let mut finding = Finding::new(
                codes::PORT_NOT_ON_GATEWAY,
                i,
                format!(
                    "Gateway has a server on port {number}, but {service_text} in front of \
                     its pods ({}) exposes {exposed_text}: traffic sent to the gateway on port \
                     {number} never reaches this listener (a sidecar has no cluster for that \
                     Service port: 503 for HTTP, a closed connection otherwise)",
                    selector.join(","),
                ),
            )
            .help(format!(
                "add port {number} to the gateway's Service (for the egress gateway, in the \
                 IstioOperator `components.egressGateways[].k8s.service.ports`), or move the \
                 server and the routes that use it to a port the Service exposes"
            ));
            for &s in &services {
                finding = finding.related(s);
            }
            findings.push(finding);
        }
    }
}
