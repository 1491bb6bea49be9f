//! M003 `conflicting-protocols`: two ServiceEntries give one host and port different
//! protocols, and some namespace sees both.
//!
//! Istio builds one service per host for a client. When several ServiceEntries visible
//! to it declare the same host and port, it takes the port from one of them (entries
//! exported to the client's namespace by name or `.` come first, then those exported to
//! every namespace, the oldest first) and ignores the others, so the port's protocol (and
//! with it the listener: HTTP routing, TLS SNI matching or raw TCP) depends on where the
//! client runs and which entry was created first. Traffic the other entry was written for is
//! then handled as the wrong protocol: plain HTTP sent to a port Istio treats as TLS is
//! passed through without routing, HTTPS sent to a port it treats as HTTP fails with
//! `400`/`WRONG_VERSION_NUMBER`. A rebuild of the cluster can flip the winner.
//!
//! Istio's analyzer reports the same as IST0177 (ConflictingServiceEntryProtocol): hosts are
//! compared exactly (after short names are resolved), protocols without regard to case (an
//! unset protocol is a protocol of its own: Istio sniffs it), and two entries conflict when
//! their `exportTo` scopes share a namespace. Unlike the analyzer, `exportTo: ["~"]` hides
//! an entry from every namespace, and an entry without `exportTo` gets the mesh's
//! `defaultServiceExportTo`.

use std::borrow::Cow;

use super::index::ExportScope;
use super::{Finding, Index, hosts};
use crate::diagnostic::codes;
use crate::manifest::ServiceEntry;

/// One port of one entry: (entry, its scope, protocol as Istio compares it).
struct Declared {
    entry: usize,
    scope: ExportScope,
    protocol: String,
}

/// A port of a host as one ServiceEntry declares it, borrowed from the entry.
struct DeclaredPort<'a> {
    host: Cow<'a, str>,
    port: u32,
    entry: usize,
    spec: &'a ServiceEntry,
    /// As written.
    protocol: &'a str,
}

pub fn check(index: &Index, findings: &mut Vec<Finding>) {
    // Every port of every host an entry declares, sorted by host and port and in input
    // order within: only a group of two or more can conflict, so only those are given
    // their export scopes (a set of namespaces each). A map by host and port with a scope
    // per port was 56 MB at 100,000 hosts, nearly all of it for hosts one entry declares.
    let mut ports: Vec<DeclaredPort> = Vec::new();
    for (i, entry) in index.service_entries() {
        let namespace = index.namespace(i);
        for host in &entry.hosts {
            if host.is_empty() {
                continue;
            }
            let host = hosts::resolve_borrowed(host, namespace);
            for port in &entry.ports {
                let protocol = port.protocol.as_deref().unwrap_or_default();
                ports.push(DeclaredPort {
                    host: host.clone(),
                    port: port.number,
                    entry: i,
                    spec: entry,
                    protocol,
                });
            }
        }
    }
    ports.sort_by(|a, b| (a.host.as_ref(), a.port).cmp(&(b.host.as_ref(), b.port)));
    for group in ports.chunk_by(|a, b| a.host == b.host && a.port == b.port) {
        if group.len() < 2 {
            continue;
        }
        let (host, port) = (&group[0].host, group[0].port);
        let declared: Vec<Declared> = group
            .iter()
            .map(|declared| Declared {
                entry: declared.entry,
                scope: Index::export_scope(
                    &declared.spec.export_to,
                    &index.mesh.default_service_export_to,
                    index.namespace(declared.entry),
                ),
                protocol: declared.protocol.to_ascii_uppercase(),
            })
            .collect();
        for (a, mine) in declared.iter().enumerate() {
            let others: Vec<&Declared> = declared
                .iter()
                .enumerate()
                .filter(|(b, other)| {
                    *b != a && other.protocol != mine.protocol && other.scope.overlaps(&mine.scope)
                })
                .map(|(_, other)| other)
                .collect();
            if others.is_empty() {
                continue;
            }
            findings.push(finding(index, host, port, mine, &others));
        }
    }
}

fn finding(index: &Index, host: &str, port: u32, mine: &Declared, others: &[&Declared]) -> Finding {
    let theirs: Vec<String> = others
        .iter()
        .map(|other| {
            if other.entry == mine.entry {
                format!("it declares it again as {}", shown(&other.protocol))
            } else {
                format!(
                    "ServiceEntry {} declares it as {}",
                    qualified(index, other.entry),
                    shown(&other.protocol)
                )
            }
        })
        .collect();
    let seen_by = mine.scope.common(&others[0].scope);
    let mut finding = Finding::new(
        codes::CONFLICTING_PROTOCOLS,
        mine.entry,
        format!(
            "ServiceEntry declares {host} port {port} as {}, while {} (visible together in \
             {seen_by}): a sidecar takes the port from one entry and ignores the other \
             (entries exported to its namespace by `.` or by name come first, then the oldest), so the \
             port's protocol, and what its listener does with the traffic, depends on the \
             client's namespace and on creation order",
            shown(&mine.protocol),
            theirs.join(", and "),
        ),
    )
    .help(format!(
        "declare {host} port {port} once, with the protocol the app really sends \
         (HTTP for plain text, HTTPS/TLS when the app encrypts), or give the entries \
         `exportTo` scopes that do not overlap"
    ));
    for other in others {
        finding = finding.related(other.entry);
    }
    finding
}

fn shown(protocol: &str) -> &str {
    if protocol.is_empty() {
        "no protocol"
    } else {
        protocol
    }
}

fn qualified(index: &Index, i: usize) -> String {
    format!("{}/{}", index.namespace(i), index.name(i))
}
