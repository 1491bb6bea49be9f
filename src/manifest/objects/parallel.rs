//! Reading many documents on every core. Parsing YAML is most of `diff`'s work, so the
//! documents of all inputs (and the items of a `kind: List`, which `kubectl get` prints as
//! one document) are shared out among the cores ([`crate::parallel`]).

use std::sync::atomic::{AtomicBool, Ordering};

use foldhash::{HashMap, HashMapExt};
use serde_json::Value;

use super::{Objects, read_document, read_list_item};
use crate::manifest::stream::{
    Document, content_line, list_items, split_documents, top_level_type,
};

/// Reads several streams at once, one [`Objects`] per text in the same order; the result is
/// the same as reading them one after the other.
pub fn read_all(texts: &[&str]) -> Vec<Objects> {
    let (units, lists) = units(texts);
    read_units(texts.len(), &units, &lists, |value| value)
}

/// Reads only the `kind: List` documents that split into items, which no compiled resource
/// can be byte for byte: `diff` parses them while the policy is still compiling.
/// [`Unparsed`] holds the rest.
///
/// Each object is handed to `keep` on the core that parsed it, as soon as it is parsed: a
/// cluster's List holds tens of thousands of objects, and `keep` makes the form they are
/// held in until the comparison, far smaller than a parsed value.
pub fn read_lists<V: Send>(texts: &[&str], keep: impl Fn(Value) -> V + Sync) -> Vec<Objects<V>> {
    let (mut units, lists) = units(texts);
    units.retain(|unit| unit.list.is_some());
    read_units(texts.len(), &units, &lists, keep)
}

/// The documents [`read_lists`] leaves out, split but not parsed, to be found by their exact
/// text. `diff` looks up the text `build` writes for each compiled resource
/// ([`Unparsed::take_identical`]): a deployed document with that very text is that resource,
/// with nothing to parse or compare; in a repository `build -o` wrote, that is almost every
/// document. Only the documents nobody took are parsed ([`Unparsed::read_rest`]).
pub struct Unparsed<'a> {
    texts: usize,
    documents: Vec<Pending<'a>>,
    /// The first document with each text (without its leading `---`).
    by_text: HashMap<&'a str, usize>,
    /// The next document with the same text, in input order: the same resource deployed
    /// twice is an error `diff` reports, not one to hide.
    same_text: Vec<Option<usize>>,
    taken: Vec<AtomicBool>,
}

/// A document that has content, and the line its first key is on.
struct Pending<'a> {
    unit: Unit<'a>,
    line: usize,
}

impl<'a> Unparsed<'a> {
    /// Splits the texts into their documents and finds each by its text; documents of only
    /// comments and markers are left out, and so are the Lists [`read_lists`] reads.
    pub fn split(texts: &[&'a str]) -> Unparsed<'a> {
        // Split on every core: a repository holds tens of thousands of files.
        let numbered: Vec<(usize, &'a str)> = texts.iter().copied().enumerate().collect();
        let per_text = crate::parallel::map(&numbered, |&(text_index, text)| {
            split_documents(text)
                .into_iter()
                .filter(|document| list_items_apart(document).is_none())
                .filter_map(|document| {
                    let line = content_line(&document)?;
                    let unit = Unit {
                        text_index,
                        list: None,
                        document,
                    };
                    Some(Pending { unit, line })
                })
                .collect::<Vec<_>>()
        });
        let documents = crate::parallel::concat(per_text);
        let mut by_text = HashMap::with_capacity(documents.len());
        let mut same_text = vec![None; documents.len()];
        // From the last, so that each text ends up at its first document.
        for (index, pending) in documents.iter().enumerate().rev() {
            if let Some(later) = by_text.insert(body(&pending.unit.document), index) {
                same_text[index] = Some(later);
            }
        }
        let taken = documents.iter().map(|_| AtomicBool::new(false)).collect();
        Unparsed {
            texts: texts.len(),
            documents,
            by_text,
            same_text,
            taken,
        }
    }

    /// Hands `found` the text index and line of every document whose text is exactly
    /// `text`, in input order, and takes them out of what [`Unparsed::read_rest`] parses.
    /// Safe to call from every core at once.
    pub fn take_identical(&self, text: &str, mut found: impl FnMut(usize, usize)) {
        let mut next = self.by_text.get(text).copied();
        while let Some(index) = next {
            let pending = &self.documents[index];
            self.taken[index].store(true, Ordering::Relaxed);
            found(pending.unit.text_index, pending.line);
            next = self.same_text[index];
        }
    }

    /// Parses the documents nobody took, one [`Objects`] per text, each object in the form
    /// `keep` makes of it (see [`read_lists`]). Call it once every
    /// [`Unparsed::take_identical`] has returned.
    pub fn read_rest<V: Send>(&self, keep: impl Fn(Value) -> V + Sync) -> Vec<Objects<V>> {
        let rest: Vec<Unit<'a>> = self
            .documents
            .iter()
            .zip(&self.taken)
            .filter(|(_, taken)| !taken.load(Ordering::Relaxed))
            .map(|(pending, _)| pending.unit)
            .collect();
        read_units(self.texts, &rest, &[], keep)
    }
}

/// A document's text without its leading `---`: what `build` writes for one resource.
fn body<'a>(document: &Document<'a>) -> &'a str {
    document.text.strip_prefix("---\n").unwrap_or(document.text)
}

/// Parses the units on every core, one [`Objects`] per text, each object in the form
/// `keep` makes of it. `lists` are the Lists the items among `units` came from.
fn read_units<V: Send>(
    texts: usize,
    units: &[Unit],
    lists: &[Document],
    keep: impl Fn(Value) -> V + Sync,
) -> Vec<Objects<V>> {
    let results = crate::parallel::map(units, |unit| {
        let mut objects = Objects::default();
        match unit.list {
            Some(_) => read_list_item(&unit.document, &mut objects),
            None => read_document(&unit.document, &mut objects),
        }
        objects.kept(&keep)
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
    let mut all: Vec<Objects<V>> = (0..texts).map(|_| Objects::default()).collect();
    let mut reread = vec![false; lists.len()];
    for (unit, mut objects) in units.iter().zip(results) {
        let out = &mut all[unit.text_index];
        if let Some(list) = unit.list.filter(|&list| broken[list]) {
            if !std::mem::replace(&mut reread[list], true) {
                let mut whole = Objects::default();
                read_document(&lists[list], &mut whole);
                let mut whole = whole.kept(&keep);
                out.objects.append(&mut whole.objects);
                out.problems.append(&mut whole.problems);
            }
            continue;
        }
        out.objects.append(&mut objects.objects);
        out.problems.append(&mut objects.problems);
    }
    all
}

/// A piece of work for one core: a document, or one item of a List.
#[derive(Clone, Copy)]
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
            let Some(items) = list_items_apart(&document) else {
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

/// The items of a `kind: List` document, to be read apart; `None` for any other document.
fn list_items_apart<'a>(document: &Document<'a>) -> Option<Vec<Document<'a>>> {
    // A List is split into its items at any size: `kubectl get -o yaml` of a big mesh is
    // one List of hundreds of megabytes, and the size limit holds for each item instead
    // (read_list_item).
    (top_level_type(document.text) == Some(("v1", "List")))
        .then(|| list_items(document))
        .flatten()
        .filter(|items| !items.is_empty())
}
