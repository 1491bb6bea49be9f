//! The facts from Istio's CRDs that normalisation needs (`istio_fields.txt`, generated from
//! the CRDs and kept current by `tests/diff_istio_fields.rs`): which versions of a kind are
//! one resource, and which fields are protobuf maps.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A kind's fields as a tree of path segments: object keys by name, `-` for any list item,
/// `*` for any map value. A node marked `map` is a protobuf map.
#[derive(Debug, Default)]
pub(super) struct FieldTree {
    children: HashMap<&'static str, FieldTree>,
    pub map: bool,
}

impl FieldTree {
    /// The subtree of an object key, list item (`-`) or map value (`*`).
    pub fn child(&self, segment: &str) -> Option<&FieldTree> {
        self.children.get(segment)
    }

    fn insert(&mut self, path: &'static str) {
        let node = path.split('/').fold(self, |node, segment| {
            node.children.entry(segment).or_default()
        });
        node.map = true;
    }
}

#[derive(Debug, Default)]
pub(super) struct IstioFields {
    /// Group, then kind, to the served versions.
    served: HashMap<&'static str, HashMap<&'static str, Vec<&'static str>>>,
    /// Group, then kind, to the tree of map fields.
    maps: HashMap<&'static str, HashMap<&'static str, FieldTree>>,
}

impl IstioFields {
    /// The table, parsed once.
    pub fn get() -> &'static IstioFields {
        static FIELDS: OnceLock<IstioFields> = OnceLock::new();
        FIELDS.get_or_init(|| IstioFields::parse(include_str!("istio_fields.txt")))
    }

    fn parse(text: &'static str) -> IstioFields {
        let mut fields = IstioFields::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some("served"), Some(group), Some(kind)) => {
                    fields
                        .served
                        .entry(group)
                        .or_default()
                        .insert(kind, words.collect());
                }
                (Some("map"), Some(group), Some(kind)) => {
                    let path = words.next().expect("a map line names a path");
                    fields
                        .maps
                        .entry(group)
                        .or_default()
                        .entry(kind)
                        .or_default()
                        .insert(path);
                }
                _ => panic!("istio_fields.txt: unreadable line `{line}`"),
            }
        }
        fields
    }

    /// True when the group and kind are an Istio resource.
    pub fn is_istio(&self, group: &str, kind: &str) -> bool {
        self.served
            .get(group)
            .is_some_and(|kinds| kinds.contains_key(kind))
    }

    /// True when `version` is one of the versions Istio serves the kind in.
    pub fn serves(&self, group: &str, kind: &str, version: &str) -> bool {
        self.served
            .get(group)
            .and_then(|kinds| kinds.get(kind))
            .is_some_and(|versions| versions.contains(&version))
    }

    /// The tree of the kind's map fields, rooted above `spec`.
    pub fn maps(&self, group: &str, kind: &str) -> Option<&FieldTree> {
        self.maps.get(group).and_then(|kinds| kinds.get(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_the_served_versions_and_map_fields() {
        let fields = IstioFields::get();
        for version in ["v1", "v1beta1", "v1alpha3"] {
            assert!(fields.serves("networking.istio.io", "ServiceEntry", version));
        }
        assert!(!fields.serves("networking.istio.io", "ServiceEntry", "v2"));
        let tree = fields
            .maps("networking.istio.io", "DestinationRule")
            .unwrap();
        let labels = ["spec", "subsets", "-", "labels"]
            .iter()
            .try_fold(tree, |node, segment| node.child(segment))
            .unwrap();
        assert!(labels.map);
        assert!(!tree.child("spec").unwrap().map);
    }
}
