//! Reading many documents on every core. Parsing YAML is most of `diff`'s work, so the
//! documents of all inputs (and the items of a `kind: List`, which `kubectl get` prints as
//! one document) are shared out among the cores ([`crate::parallel`]).

use super::{Objects, read_document, read_list_item};
use crate::manifest::stream::{Document, list_items, split_documents, top_level_type};

/// Reads several streams at once, one [`Objects`] per text in the same order; the result is
/// the same as reading them one after the other. A document whose text `recognise` knows
/// (`diff` passes the texts `build` writes) is not parsed at all.
pub fn read_all<F>(texts: &[&str], recognise: &F) -> Vec<Objects>
where
    F: Fn(&str) -> Option<usize> + Sync,
{
    read_part(texts, Part::All, recognise)
}

/// Reads only the `kind: List` documents that split into items, which nothing can
/// recognise: `diff` parses them while the policy is still compiling. [`read_other`] reads
/// the rest, and [`merge`] puts the two together as [`read_all`] would have read them.
pub fn read_lists(texts: &[&str]) -> Vec<Objects> {
    read_part(texts, Part::Lists, &|_: &str| None)
}

/// Reads everything [`read_lists`] leaves out.
pub fn read_other<F>(texts: &[&str], recognise: &F) -> Vec<Objects>
where
    F: Fn(&str) -> Option<usize> + Sync,
{
    read_part(texts, Part::Other, recognise)
}

/// The two parts of one set of texts, in the order of their lines.
pub fn merge(lists: Vec<Objects>, other: Vec<Objects>) -> Vec<Objects> {
    lists
        .into_iter()
        .zip(other)
        .map(|(mut a, mut b)| {
            a.objects.append(&mut b.objects);
            a.objects.sort_by_key(|o| o.line);
            a.recognised.append(&mut b.recognised);
            a.recognised.sort_by_key(|r| r.line);
            a.problems.append(&mut b.problems);
            a.problems.sort_by_key(|p| p.line);
            a
        })
        .collect()
}

/// Which documents a read covers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    All,
    /// `kind: List` documents read item by item.
    Lists,
    /// Everything else.
    Other,
}

fn read_part<F>(texts: &[&str], part: Part, recognise: &F) -> Vec<Objects>
where
    F: Fn(&str) -> Option<usize> + Sync,
{
    let (mut units, lists) = units(texts);
    match part {
        Part::All => {}
        Part::Lists => units.retain(|unit| unit.list.is_some()),
        Part::Other => units.retain(|unit| unit.list.is_none()),
    }
    let results = crate::parallel::map(&units, |unit| {
        let mut objects = Objects::default();
        match unit.list {
            Some(_) => read_list_item(&unit.document, &mut objects),
            None => read_document(&unit.document, recognise, &mut objects),
        }
        objects
    });
    // An item that does not parse apart (an alias to an anchor in another item) may parse
    // within its List, so a List with a broken item is read again as a whole.
    let mut broken = vec![false; lists.len()];
    for (unit, objects) in units.iter().zip(&results) {
        if let Some(list) = unit.list
            && !objects.problems.is_empty()
        {
            broken[list] = true;
        }
    }
    let mut all: Vec<Objects> = texts.iter().map(|_| Objects::default()).collect();
    let mut reread = vec![false; lists.len()];
    for (unit, mut objects) in units.iter().zip(results) {
        let out = &mut all[unit.text_index];
        if let Some(list) = unit.list.filter(|&list| broken[list]) {
            if !std::mem::replace(&mut reread[list], true) {
                read_document(&lists[list], &|_: &str| None, out);
            }
            continue;
        }
        out.objects.append(&mut objects.objects);
        out.recognised.append(&mut objects.recognised);
        out.problems.append(&mut objects.problems);
    }
    all
}

/// A piece of work for one core: a document, or one item of a List.
struct Unit<'a> {
    text_index: usize,
    /// The List the item belongs to, as an index into the Lists found.
    list: Option<usize>,
    document: Document<'a>,
}

/// The units of work in input order, and the Lists that were split into items.
fn units<'a>(texts: &[&'a str]) -> (Vec<Unit<'a>>, Vec<Document<'a>>) {
    let mut units = Vec::new();
    let mut lists = Vec::new();
    for (text_index, text) in texts.iter().enumerate() {
        for document in split_documents(text) {
            // A List is split into its items at any size: `kubectl get -o yaml` of a big
            // mesh is one List of hundreds of megabytes, and the size limit holds for each
            // item instead (read_list_item).
            let items = (top_level_type(document.text) == Some(("v1", "List")))
                .then(|| list_items(&document))
                .flatten()
                .filter(|items| !items.is_empty());
            let Some(items) = items else {
                units.push(Unit {
                    text_index,
                    list: None,
                    document,
                });
                continue;
            };
            lists.push(document);
            units.extend(items.into_iter().map(|item| Unit {
                text_index,
                list: Some(lists.len() - 1),
                document: item,
            }));
        }
    }
    (units, lists)
}
