//! The model's strings and lists, shaped for tens of thousands of resources held at once.
//!
//! `check` of a big repository keeps every resource in memory while the rules run, so the
//! model's building blocks are chosen for size: a [`Text`] holds a short string (a protocol,
//! a TLS mode, a namespace, most kinds and API versions) inline without allocating, and a
//! [`List`] holds exactly its items, where a deserialized `Vec` keeps room for more (a
//! one-item list would otherwise reserve four). Both read exactly what `String` and `Vec`
//! read, with the same errors. This module must not know about any Istio field.

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
    fn short_texts_do_not_allocate() {
        assert!(!Text::from("networking.istio.io/v1").is_heap_allocated());
        assert!(
            Text::from("istio-egressgateway.istio-system.svc.cluster.local").is_heap_allocated()
        );
    }
}
