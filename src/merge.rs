//! Combines the files of one build into a single policy.
//!
//! A host may be declared in several files (each team its own file, say): declarations merge
//! where they agree (ports, addresses and namespaces add up) and conflict where they do not,
//! with both places labelled. Port-level contradictions (one port, two protocols) are left in
//! place for [`crate::validate`], which explains them as the Istio mistakes they are.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::lower::{PolicyFile, SUPPORTED_VERSION};
use crate::policy::{Host, Mesh, Policy, RuleOverride};
use crate::source::{Span, Spanned};

pub fn merge(files: Vec<PolicyFile>, diagnostics: &mut Diagnostics) -> Policy {
    let mut mesh: Option<Mesh> = None;
    let mut hosts: BTreeMap<String, Host> = BTreeMap::new();
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
        for host in file.hosts {
            match hosts.entry(host.name.value.clone()) {
                Entry::Vacant(slot) => {
                    slot.insert(host);
                }
                Entry::Occupied(mut slot) => merge_host(slot.get_mut(), host, diagnostics),
            }
        }
    }
    served_hosts_declared_twice(&hosts, diagnostics);
    Policy {
        version: u32::try_from(SUPPORTED_VERSION).expect("small version"),
        mesh: mesh.unwrap_or_default(),
        hosts: hosts.into_values().collect(),
        rules,
    }
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
fn served_hosts_declared_twice(hosts: &BTreeMap<String, Host>, diagnostics: &mut Diagnostics) {
    for wildcard in hosts.values() {
        let Some(served_by) = &wildcard.served_by else {
            continue;
        };
        if let Some(declared) = hosts.get(&served_by.value) {
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
