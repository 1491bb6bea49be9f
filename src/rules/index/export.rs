//! `exportTo`: which namespaces see a resource.

use std::collections::BTreeSet;

use super::Index;
use crate::manifest::{DestinationRule, ServiceEntry, Text, VirtualService};

impl Index<'_> {
    /// Is a resource of namespace `owner` with this `exportTo` (empty: the mesh default)
    /// visible to workloads in `viewer`? `.` is the own namespace, `*` every namespace, `~`
    /// none.
    pub fn exported(export_to: &[Text], default: &[Text], owner: &str, viewer: &str) -> bool {
        let list = if export_to.is_empty() {
            default
        } else {
            export_to
        };
        list.iter().any(|to| match to.as_str() {
            "*" => true,
            "." => owner == viewer,
            "~" => false,
            namespace => namespace == viewer,
        })
    }

    /// The namespaces a resource of namespace `owner` with this `exportTo` (empty: the mesh
    /// default) is visible to, as a set that can be compared with another resource's.
    pub fn export_scope(export_to: &[Text], default: &[Text], owner: &str) -> ExportScope {
        let list = if export_to.is_empty() {
            default
        } else {
            export_to
        };
        let mut namespaces = BTreeSet::new();
        for to in list {
            match to.as_str() {
                "*" => return ExportScope::All,
                "~" => {}
                "." => {
                    namespaces.insert(owner.to_owned());
                }
                namespace => {
                    namespaces.insert(namespace.to_owned());
                }
            }
        }
        ExportScope::Namespaces(namespaces)
    }

    pub fn entry_visible(&self, i: usize, entry: &ServiceEntry, viewer: &str) -> bool {
        Self::exported(
            &entry.export_to,
            &self.mesh.default_service_export_to,
            self.namespace(i),
            viewer,
        )
    }

    pub fn virtual_service_visible(&self, i: usize, vs: &VirtualService, viewer: &str) -> bool {
        Self::exported(
            &vs.export_to,
            &self.mesh.default_virtual_service_export_to,
            self.namespace(i),
            viewer,
        )
    }

    pub fn destination_rule_visible(&self, i: usize, rule: &DestinationRule, viewer: &str) -> bool {
        Self::exported(
            &rule.export_to,
            &self.mesh.default_destination_rule_export_to,
            self.namespace(i),
            viewer,
        )
    }
}

/// Where a resource is visible, from its `exportTo` ([`Index::export_scope`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportScope {
    /// Every namespace (`*`).
    All,
    /// These namespaces only; empty for `~` (hidden from all).
    Namespaces(BTreeSet<String>),
}

impl ExportScope {
    /// Is there a namespace that sees both?
    pub fn overlaps(&self, other: &ExportScope) -> bool {
        match (self, other) {
            (ExportScope::All, ExportScope::All) => true,
            (ExportScope::All, ExportScope::Namespaces(n))
            | (ExportScope::Namespaces(n), ExportScope::All) => !n.is_empty(),
            (ExportScope::Namespaces(a), ExportScope::Namespaces(b)) => !a.is_disjoint(b),
        }
    }

    /// The namespaces that see both, for messages: `every namespace` or a list.
    pub fn common(&self, other: &ExportScope) -> String {
        match (self, other) {
            (ExportScope::All, ExportScope::All) => "every namespace".to_owned(),
            (ExportScope::All, ExportScope::Namespaces(n))
            | (ExportScope::Namespaces(n), ExportScope::All) => namespace_list(n.iter()),
            (ExportScope::Namespaces(a), ExportScope::Namespaces(b)) => {
                namespace_list(a.intersection(b))
            }
        }
    }
}

fn namespace_list<'s>(namespaces: impl Iterator<Item = &'s String>) -> String {
    let names: Vec<&str> = namespaces.map(String::as_str).collect();
    match names.as_slice() {
        [one] => format!("namespace {one}"),
        _ => format!("namespaces {}", names.join(", ")),
    }
}
