//! The model's strings and lists, shaped for tens of thousands of resources held at once.
//!
//! `check` of a big repository keeps every resource in memory while the rules run, so the
//! model's building blocks are chosen for size: a [`Text`] holds a short string (a protocol,
//! a TLS mode, a namespace, most kinds and API versions) inline without allocating, a
//! [`List`] holds exactly its items, where a deserialized `Vec` keeps room for more (a
//! one-item list would otherwise reserve four), and [`Labels`] holds a small map as sorted
//! pairs. They read exactly what `String`, `Vec` and `BTreeMap` read, with the same errors.
//! This module must not know about any Istio field.

use std::ops::Deref;

use serde::{Deserialize, Deserializer};

/// A string of the model: inline up to 24 bytes, on the heap beyond, dereferences to `str`.
pub type Text = compact_str::CompactString;

/// A list that keeps exactly its items (no spare capacity), read from any YAML or JSON
/// sequence as a `Vec` is, and used as a slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<T>(Box<[T]>);

impl<T> Default for List<T> {
    fn default() -> List<T> {
        List(Box::default())
    }
}

impl<T> Deref for List<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> From<Vec<T>> for List<T> {
    /// Drops the vector's spare capacity.
    fn from(items: Vec<T>) -> List<T> {
        List(items.into_boxed_slice())
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> List<T> {
        items.into_iter().collect::<Vec<T>>().into()
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<List<T>, D::Error> {
        Vec::<T>::deserialize(deserializer).map(List::from)
    }
}

/// A map of strings (labels, selectors, proxy metadata) as one exact list of pairs sorted
/// by key: a one-label selector costs one pair, where a `BTreeMap` allocates a node of
/// eleven. Read from a YAML or JSON mapping as a `BTreeMap` is (a repeated key keeps its
/// last value) and compared, iterated and looked up as one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(List<(Text, Text)>);

impl Labels {
    pub fn get(&self, key: &str) -> Option<&Text> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|index| &self.0[index].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Text, &Text)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &Text> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a Text, &'a Text);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Text, Text)>, fn(&(Text, Text)) -> (&Text, &Text)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for Labels {
    /// Sorted by key; of a repeated key, the last value is kept.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Labels {
        let sorted: std::collections::BTreeMap<Text, Text> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Labels(sorted.into_iter().collect())
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Labels, D::Error> {
        std::collections::BTreeMap::<Text, Text>::deserialize(deserializer)
            .map(|map| Labels(map.into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_keeps_exactly_its_items() {
        let list: List<Text> = serde_yaml::from_str("[istio-system]").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(&list[0], "istio-system");
    }

    #[test]
    fn a_list_and_a_text_fail_as_vec_and_string_do() {
        let list = serde_yaml::from_str::<List<u32>>("a").unwrap_err();
        let vec = serde_yaml::from_str::<Vec<u32>>("a").unwrap_err();
        assert_eq!(list.to_string(), vec.to_string());
        let text = serde_json::from_str::<Text>("5").unwrap_err();
        let string = serde_json::from_str::<String>("5").unwrap_err();
        assert_eq!(text.to_string(), string.to_string());
    }

    #[test]
    fn labels_read_and_look_up_as_a_map_does() {
        let labels: Labels =
            serde_yaml::from_str("{istio: egressgateway, app: x, app: y}").unwrap();
        let keys: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["app", "istio"], "sorted by key, a repeated key once");
        assert_eq!(
            labels.get("app").map(Text::as_str),
            Some("y"),
            "the last value"
        );
        assert_eq!(labels.get("istio").map(Text::as_str), Some("egressgateway"));
        assert_eq!(labels.get("missing"), None);
        let same: Labels = [("istio", "egressgateway"), ("app", "y")]
            .into_iter()
            .collect();
        assert_eq!(labels, same);
    }

    #[test]
    fn short_texts_do_not_allocate() {
        assert!(!Text::from("networking.istio.io/v1").is_heap_allocated());
        assert!(
            Text::from("istio-egressgateway.istio-system.svc.cluster.local").is_heap_allocated()
        );
    }
}
