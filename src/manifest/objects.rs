//! Reads YAML streams as generic Kubernetes objects: every field kept as written, nothing
//! interpreted. `diff` compares whole objects, so unlike [`super::read`] it keeps fields the
//! rules do not model and refuses what it cannot read instead of forgiving it: a document
//! left out would show up as a resource "to add".

use serde_json::Value;

use super::stream::{
    Document, MAX_DOCUMENT_BYTES, Problem, content_line, list_item_lines, split_documents,
    yaml_problem,
};

/// A Kubernetes object and the line its text starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// An object with string `apiVersion` and `kind`.
    pub value: Value,
    /// 1-based line of the object's first key (of its list item, inside a `kind: List`).
    pub line: usize,
}

/// Everything read from one stream.
#[derive(Debug, Default)]
pub struct Objects {
    pub objects: Vec<Object>,
    pub problems: Vec<Problem>,
}

const NOT_AN_OBJECT_HELP: &str = "the manifests to compare with must be Kubernetes objects: \
     YAML documents with `apiVersion` and `kind`; move other YAML out of the way";

/// Reads every document of a YAML stream; the items of a `kind: List` are objects of their
/// own.
pub fn read_objects(text: &str) -> Objects {
    let mut objects = Objects::default();
    for document in split_documents(text) {
        read_document(&document, &mut objects);
    }
    objects
}

/// Reads several streams at once, one [`Objects`] per text in the same order. Parsing YAML
/// is most of `diff`'s work, so the documents of all texts are shared out among the cores
/// in contiguous runs of about equal size; the result is the same as reading them in turn.
pub fn read_all(texts: &[&str]) -> Vec<Objects> {
    let documents: Vec<(usize, Document)> = texts
        .iter()
        .enumerate()
        .flat_map(|(index, text)| split_documents(text).into_iter().map(move |d| (index, d)))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let total: usize = documents.iter().map(|(_, d)| d.text.len()).sum();
    let share = total / threads + 1;
    let mut runs: Vec<&[(usize, Document)]> = Vec::with_capacity(threads);
    let (mut start, mut size) = (0, 0);
    for (end, (_, document)) in documents.iter().enumerate() {
        size += document.text.len();
        if size >= share {
            runs.push(&documents[start..=end]);
            (start, size) = (end + 1, 0);
        }
    }
    runs.push(&documents[start..]);
    let read_run = |run: &[(usize, Document)]| -> Vec<(usize, Objects)> {
        let mut out: Vec<(usize, Objects)> = Vec::new();
        for (index, document) in run {
            if out.last().is_none_or(|(last, _)| last != index) {
                out.push((*index, Objects::default()));
            }
            let (_, objects) = out.last_mut().expect("pushed above");
            read_document(document, objects);
        }
        out
    };
    let results: Vec<Vec<(usize, Objects)>> = if runs.len() == 1 {
        vec![read_run(runs[0])]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .iter()
                .map(|run| scope.spawn(|| read_run(run)))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().expect("a reader thread panicked"))
                .collect()
        })
    };
    let mut all: Vec<Objects> = texts.iter().map(|_| Objects::default()).collect();
    for (index, mut objects) in results.into_iter().flatten() {
        all[index].objects.append(&mut objects.objects);
        all[index].problems.append(&mut objects.problems);
    }
    all
}

fn read_document(document: &Document, out: &mut Objects) {
    let Some(line) = content_line(document) else {
        return;
    };
    if document.text.len() > MAX_DOCUMENT_BYTES {
        out.problems.push(Problem {
            line,
            message: format!(
                "document is {} MiB, over the {} MiB limit",
                document.text.len() / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            help: "split the stream into smaller documents or files; no Kubernetes object is this large",
        });
        return;
    }
    let value = match serde_yaml::from_str::<Value>(document.text) {
        Ok(Value::Null) => return,
        Ok(value) => value,
        Err(error) => {
            out.problems.push(yaml_problem(&error, document, line));
            return;
        }
    };
    match type_of(&value) {
        Some(("v1", "List")) => read_list(value, document, line, out),
        Some(_) => out.objects.push(Object { value, line }),
        None => out.problems.push(not_an_object(line)),
    }
}

/// A `kind: List` (what `kubectl get -o yaml` prints): each item at the line of its `- `.
fn read_list(list: Value, document: &Document, line: usize, out: &mut Objects) {
    let items = match list {
        Value::Object(mut map) => match map.remove("items") {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                out.problems.push(Problem {
                    line,
                    message: "the `items` of a List must be a sequence of objects".to_owned(),
                    help: NOT_AN_OBJECT_HELP,
                });
                return;
            }
        },
        _ => unreachable!("type_of accepted an object"),
    };
    let item_lines = list_item_lines(document, items.len());
    for (index, item) in items.into_iter().enumerate() {
        let item_line = item_lines.as_ref().map_or(line, |lines| lines[index]);
        match type_of(&item) {
            Some(("v1", "List")) => out.problems.push(Problem {
                line: item_line,
                message: "a List inside a List is not a Kubernetes object".to_owned(),
                help: NOT_AN_OBJECT_HELP,
            }),
            Some(_) => out.objects.push(Object {
                value: item,
                line: item_line,
            }),
            None => out.problems.push(not_an_object(item_line)),
        }
    }
}

/// `apiVersion` and `kind`, when the value is an object that has both as strings.
pub fn type_of(value: &Value) -> Option<(&str, &str)> {
    let api_version = value.get("apiVersion")?.as_str()?;
    let kind = value.get("kind")?.as_str()?;
    Some((api_version, kind))
}

fn not_an_object(line: usize) -> Problem {
    Problem {
        line,
        message: "not a Kubernetes object: `apiVersion` or `kind` is missing".to_owned(),
        help: NOT_AN_OBJECT_HELP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(objects: &Objects) -> Vec<(String, usize)> {
        objects
            .objects
            .iter()
            .map(|o| (o.value["metadata"]["name"].to_string(), o.line))
            .collect()
    }

    #[test]
    fn documents_and_list_items_keep_their_lines() {
        let text = "# deployed\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1beta1\n  kind: Gateway\n  metadata:\n    name: g\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n";
        let objects = read_objects(text);
        assert_eq!(
            lines(&objects),
            [
                ("\"a\"".to_owned(), 3),
                ("\"g\"".to_owned(), 10),
                ("\"d\"".to_owned(), 14)
            ]
        );
        assert!(objects.problems.is_empty());
    }

    #[test]
    fn yaml_that_is_not_an_object_is_a_problem_at_its_line() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- just\n- a list\n---\nkey: [unclosed\n";
        let objects = read_objects(text);
        assert_eq!(objects.objects.len(), 1);
        let problems: Vec<(usize, &str)> = objects
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(problems[0].0, 5);
        assert!(problems[0].1.starts_with("not a Kubernetes object"));
        assert_eq!(problems[1].0, 9, "{problems:?}");
        assert!(problems[1].1.starts_with("not valid YAML"));
    }

    #[test]
    fn reading_in_parallel_reads_the_same() {
        let one = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- not an object\n";
        let many = one.repeat(50);
        let texts = [one, many.as_str(), "", one];
        let together = read_all(&texts);
        for (text, objects) in texts.iter().zip(&together) {
            let alone = read_objects(text);
            assert_eq!(objects.objects, alone.objects);
            assert_eq!(objects.problems, alone.problems);
        }
    }

    #[test]
    fn empty_documents_and_comments_are_nothing() {
        let objects = read_objects("---\n# only a comment\n---\n\n");
        assert!(objects.objects.is_empty() && objects.problems.is_empty());
    }
}
