//! Combines the files of one build into a single policy.
//!
//! A host may be declared in several files (each team its own file, say): declarations merge
//! where they agree (ports, addresses and namespaces add up) and conflict where they do not,
//! with both places labelled. Port-level contradictions (one port, two protocols) are left in
//! place for [`crate::validate`], which explains them as the Istio mistakes they are.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::lower::{PolicyFile, SUPPORTED_VERSION};
use crate::policy::{Host, Mesh, Policy, RuleOverride};
use crate::source::{Span, Spanned};

pub fn merge(files: Vec<PolicyFile>, diagnostics: &mut Diagnostics) -> Policy {
    let mut mesh: Option<Mesh> = None;
    let mut declared_hosts: Vec<Vec<Host>> = Vec::with_capacity(files.len());
    let mut rules: Vec<RuleOverride> = Vec::new();
    for file in files {
        for declared in file.rules {
            match rules.iter().find(|r| r.rule.value == declared.rule.value) {
                Some(first) if first.level != declared.level => diagnostics.push(
                    Diagnostic::error(
                        codes::CONFLICTING_DECLARATIONS,
                        format!("rule {} is given two levels", declared.rule.value),
                    )
                    .primary(declared.rule.span, "set here")
                    .secondary(first.rule.span, "and differently here")
                    .help("set each rule's level once"),
                ),
                Some(_) => {}
                None => rules.push(declared),
            }
        }
        if let Some(declared) = file.mesh {
            match &mesh {
                Some(first) => diagnostics.push(
                    Diagnostic::error(
                        codes::CONFLICTING_DECLARATIONS,
                        "`mesh` is declared in two files",
                    )
                    .primary(
                        declared.declared_at.expect("a declared mesh has a span"),
                        "declared again here",
                    )
                    .secondary(
                        first.declared_at.expect("a declared mesh has a span"),
                        "first declared here",
                    )
                    .help("keep mesh-wide settings in one file"),
                ),
                None => mesh = Some(declared),
            }
        }
        declared_hosts.push(file.hosts);
    }
    let hosts = merge_hosts(declared_hosts, diagnostics);
    served_hosts_declared_twice(&hosts, diagnostics);
    Policy {
        version: u32::try_from(SUPPORTED_VERSION).expect("small version"),
        mesh: mesh.unwrap_or_default(),
        hosts,
        rules,
    }
}

/// The hosts of every file (in the order of the files) sorted by name, the declarations of
/// one name merged into the first one. Sorted as positions, and each host moved once, into
/// its place: moving every host into a map by name and out again, or into one list first,
/// took 7 ms of a 10,000-host build, with the other cores idle.
fn merge_hosts(declared: Vec<Vec<Host>>, diagnostics: &mut Diagnostics) -> Vec<Host> {
    // `Some` costs no room (a Host has a niche): each file's list is reused in place, not
    // copied into a new one.
    let mut declared: Vec<Vec<Option<Host>>> = declared
        .into_iter()
        .map(|hosts| hosts.into_iter().map(Some).collect())
        .collect();
    let mut by_name: Vec<(&str, usize, usize)> = declared
        .iter()
        .enumerate()
        .flat_map(|(file, hosts)| {
            hosts.iter().enumerate().map(move |(position, host)| {
                let name = host.as_ref().map_or("", |h| h.name.value.as_str());
                (name, file, position)
            })
        })
        .collect();
    // Stable: declarations of one name stay in the order of the files.
    by_name.sort_by(|a, b| a.0.cmp(b.0));
    let order: Vec<(usize, usize)> = by_name.into_iter().map(|(_, f, p)| (f, p)).collect();
    let mut hosts: Vec<Host> = Vec::with_capacity(order.len());
    for (file, position) in order {
        let host = declared[file][position]
            .take()
            .expect("each declaration is taken once");
        match hosts.last_mut() {
            Some(first) if first.name.value == host.name.value => {
                merge_host(first, host, diagnostics);
            }
            _ => hosts.push(host),
        }
    }
    hosts
}

/// Folds a later declaration of a host into the first one.
fn merge_host(into: &mut Host, other: Host, diagnostics: &mut Diagnostics) {
    let name = into.name.value.clone();
    let conflict =
        |what: &str, first: Span, second: Span, first_label: String, second_label: String| {
            Diagnostic::error(
                codes::CONFLICTING_DECLARATIONS,
                format!("the declarations of `{name}` disagree on {what}"),
            )
            .primary(second, second_label)
            .secondary(first, first_label)
        };
    if into.via != other.via {
        diagnostics.push(
            conflict(
                "the route",
                into.via.span,
                other.via.span,
                format!("via {} here", into.via.value.keyword()),
                format!("via {} here", other.via.value.keyword()),
            )
            .help("declare the same `via` in both places"),
        );
    }
    let originates = into.originates_tls() || other.originates_tls();
    if originates && into.ca_certificates != other.ca_certificates {
        diagnostics.push(conflict(
            "the CA bundle",
            into.ca_certificates.span,
            other.ca_certificates.span,
            format!("`{}` here", into.ca_certificates.value),
            format!("`{}` here", other.ca_certificates.value),
        ));
    }
    match (&into.served_by, other.served_by) {
        (Some(first), Some(second)) if *first != second => diagnostics.push(conflict(
            "the server behind the wildcard",
            first.span,
            second.span,
            format!("`{}` here", first.value),
            format!("`{}` here", second.value),
        )),
        (None, Some(second)) => into.served_by = Some(second),
        _ => {}
    }
    if into.namespaces.is_empty() == other.namespaces.is_empty() {
        union_by_value(&mut into.namespaces, other.namespaces);
    } else {
        let (open, limited) = if into.namespaces.is_empty() {
            (into.declared_at[0], other.namespaces[0].span)
        } else {
            (other.declared_at[0], into.namespaces[0].span)
        };
        diagnostics.push(
            conflict(
                "who may use it",
                open,
                limited,
                "open to every namespace here".to_owned(),
                "limited to some namespaces here".to_owned(),
            )
            .help("list the namespaces in every declaration, or in none"),
        );
    }
    union_by_value(&mut into.addresses, other.addresses);
    for port in other.ports {
        if !into.ports.contains(&port) {
            into.ports.push(port);
        }
    }
    into.ports.sort_by_key(|p| p.number.value);
    merge_metadata(
        &name,
        &mut into.metadata.labels,
        other.metadata.labels,
        "label",
        diagnostics,
    );
    merge_metadata(
        &name,
        &mut into.metadata.annotations,
        other.metadata.annotations,
        "annotation",
        diagnostics,
    );
    into.declared_at.extend(other.declared_at);
}

fn union_by_value<T: PartialEq + Ord + Clone>(into: &mut Vec<Spanned<T>>, other: Vec<Spanned<T>>) {
    for item in other {
        if !into.iter().any(|i| i.value == item.value) {
            into.push(item);
        }
    }
    into.sort_by(|a, b| a.value.cmp(&b.value));
}

fn merge_metadata(
    host: &str,
    into: &mut BTreeMap<String, Spanned<String>>,
    other: BTreeMap<String, Spanned<String>>,
    what: &str,
    diagnostics: &mut Diagnostics,
) {
    for (key, value) in other {
        match into.get(&key) {
            Some(first) if first.value != value.value => diagnostics.push(
                Diagnostic::error(
                    codes::CONFLICTING_DECLARATIONS,
                    format!("the declarations of `{host}` disagree on {what} `{key}`"),
                )
                .primary(value.span, format!("`{}` here", value.value))
                .secondary(first.span, format!("`{}` here", first.value)),
            ),
            Some(_) => {}
            None => {
                into.insert(key, value);
            }
        }
    }
}

/// A wildcard's `served-by` host gets a ServiceEntry of its own; a host of the same name
/// declared in the policy would be a second ServiceEntry for one hostname, whose ports and
/// visibility nothing reconciles.
/// `hosts` is sorted by name ([`merge_hosts`]).
fn served_hosts_declared_twice(hosts: &[Host], diagnostics: &mut Diagnostics) {
    for wildcard in hosts {
        let Some(served_by) = &wildcard.served_by else {
            continue;
        };
        let found = hosts.binary_search_by(|h| h.name.value.as_str().cmp(&served_by.value));
        if let Ok(declared) = found.map(|at| &hosts[at]) {
            diagnostics.push(
                Diagnostic::error(
                    codes::CONFLICTING_DECLARATIONS,
                    format!(
                        "`{}` is both a host and the server behind `{}`",
                        served_by.value, wildcard.name.value
                    ),
                )
                .primary(
                    served_by.span,
                    "the wildcard's traffic is sent to this host",
                )
                .secondary(declared.name.span, "declared as a host of its own here")
                .help("keep one: the wildcard already allows this name, or name another server"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceId, Sources};

    /// Lowers each text as a file of its own and merges them, in order. Returns the
    /// files' ids too.
    fn merged(texts: &[&str]) -> (Policy, Diagnostics, Vec<SourceId>) {
        let mut sources = Sources::default();
        let mut diagnostics = Diagnostics::default();
        let mut ids = Vec::new();
        let mut files = Vec::new();
        for (n, text) in texts.iter().enumerate() {
            let id = sources.add(format!("{n}.kdl"), (*text).to_owned());
            let document = crate::syntax::parse(id, text, &mut diagnostics).expect("parses");
            files.push(crate::lower::lower(id, &document, &mut diagnostics));
            ids.push(id);
        }
        let policy = merge(files, &mut diagnostics);
        (policy, diagnostics, ids)
    }

    #[test]
    fn hosts_come_out_by_name_each_merged_in_the_order_of_the_files() {
        let (policy, diagnostics, files) = merged(&[
            "version 1\nhost \"b.example.com\" {\n    tls 443\n    labels { tier \"one\" }\n}\n",
            "version 1\nhost \"c.example.com\" {\n    tls 443\n}\nhost \"a.example.com\" {\n    tls 443\n}\n",
            "version 1\nhost \"b.example.com\" {\n    tls 8443\n    labels { owner \"three\" }\n}\n",
        ]);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let names: Vec<&str> = policy.hosts.iter().map(|h| h.name.value.as_str()).collect();
        assert_eq!(names, ["a.example.com", "b.example.com", "c.example.com"]);
        let b = &policy.hosts[1];
        let ports: Vec<u16> = b.ports.iter().map(|p| p.number.value).collect();
        assert_eq!(ports, [443, 8443]);
        // Declared in the first file, then the third: in that order.
        let declared_in: Vec<SourceId> = b.declared_at.iter().map(|s| s.source).collect();
        assert_eq!(declared_in, [files[0], files[2]]);
        let labels: Vec<&str> = b.metadata.labels.keys().map(String::as_str).collect();
        assert_eq!(labels, ["owner", "tier"]);
    }

    #[test]
    fn a_served_host_declared_as_a_host_is_found_in_the_sorted_hosts() {
        let (_, diagnostics, _) = merged(&[
            "version 1\nhost \"*.example.com\" {\n    tls 443\n    served-by \"z.example.com\"\n}\n",
            "version 1\nhost \"z.example.com\" {\n    tls 443\n}\n",
        ]);
        let messages: Vec<&str> = diagnostics
            .sorted()
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            ["`z.example.com` is both a host and the server behind `*.example.com`"]
        );
    }
}
