use super::*;

/// The two parts of one set of texts, in the order of their lines.
fn merge(lists: Vec<Objects>, other: Vec<Objects>) -> Vec<Objects> {
    lists
        .into_iter()
        .zip(other)
        .map(|(mut a, mut b)| {
            a.objects.append(&mut b.objects);
            a.objects.sort_by_key(|o| o.line);
            a.problems.append(&mut b.problems);
            a.problems.sort_by_key(|p| p.line);
            a
        })
        .collect()
}

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

/// What `kubectl get -o yaml` prints: keys in alphabetical order, so `kind: List` and
/// `metadata` come after the items.
const KUBECTL_LIST: &str = "apiVersion: v1\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: ServiceEntry\n  metadata:\n    name: a\n  spec:\n    hosts:\n    - a.example\n- apiVersion: networking.istio.io/v1\n  kind: Gateway\n  metadata:\n    name: g\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

#[test]
fn list_items_are_read_apart_at_their_lines() {
    let objects = read_objects(KUBECTL_LIST);
    assert!(objects.problems.is_empty(), "{:?}", objects.problems);
    assert_eq!(
        lines(&objects),
        [("\"a\"".to_owned(), 3), ("\"g\"".to_owned(), 10)]
    );
    assert_eq!(objects.objects[0].value["spec"]["hosts"][0], "a.example");
}

#[test]
fn a_list_whose_items_share_an_anchor_is_read_whole() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: &meta\n    name: a\n- apiVersion: v1\n  kind: Secret\n  metadata: *meta\n";
    let objects = read_objects(text);
    assert!(objects.problems.is_empty(), "{:?}", objects.problems);
    assert_eq!(
        lines(&objects),
        [("\"a\"".to_owned(), 4), ("\"a\"".to_owned(), 8)]
    );
}

#[test]
fn a_broken_list_item_is_reported_at_its_line() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: [unclosed\n";
    let objects = read_objects(text);
    assert_eq!(objects.objects.len(), 0);
    assert_eq!(objects.problems.len(), 1);
    assert!(objects.problems[0].message.starts_with("not valid YAML"));
}

#[test]
fn a_known_text_is_taken_without_parsing_and_only_the_rest_is_read() {
    let known = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    let stream = format!(
        "{known}---\n{known}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: b}}\n---\n# nothing\n"
    );
    let other = format!("# deployed\n---\n{known}");
    let texts = [stream.as_str(), other.as_str()];
    let unparsed = Unparsed::split(&texts);
    let mut found = Vec::new();
    unparsed.take_identical(known, |text, line| found.push((text, line)));
    assert_eq!(found, [(0, 1), (0, 6), (1, 3)]);
    unparsed.take_identical("kind: Unknown\n", |_, _| panic!("nothing has this text"));
    let rest = unparsed.read_rest(|value| value);
    assert_eq!(lines(&rest[0]), [("\"b\"".to_owned(), 11)]);
    assert!(rest[1].objects.is_empty() && rest[1].problems.is_empty());
}

#[test]
fn nothing_taken_reads_as_read_all_does() {
    let stream = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: first}}\n---\n{KUBECTL_LIST}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: last}}\n---\n- not an object\n"
    );
    let texts = [stream.as_str(), KUBECTL_LIST];
    let merged = merge(
        read_lists(&texts, |value| value),
        Unparsed::split(&texts).read_rest(|value| value),
    );
    for (merged, whole) in merged.iter().zip(read_all(&texts)) {
        assert_eq!(merged.objects, whole.objects);
        assert_eq!(merged.problems, whole.problems);
    }
    assert_eq!(lines(&merged[0]).len(), 4);
    assert_eq!(merged[0].problems.len(), 1);
}

/// `kubectl get -o yaml` of a big mesh is one List of hundreds of megabytes: the size limit
/// holds for each item, not for the List. Here a long comment makes the List itself larger
/// than the limit while its one item is small.
#[test]
fn a_list_larger_than_the_document_limit_is_read_item_by_item() {
    use crate::manifest::stream::MAX_DOCUMENT_BYTES;
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n# ");
    text.push_str(&"x".repeat(MAX_DOCUMENT_BYTES));
    text.push_str("\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n");
    let objects = read_all(&[&text]).pop().unwrap();
    assert!(objects.problems.is_empty(), "{:?}", objects.problems);
    assert_eq!(lines(&objects), [("\"a\"".to_owned(), 5)]);

    let mut item = String::from("apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  # ");
    item.push_str(&"x".repeat(MAX_DOCUMENT_BYTES));
    item.push('\n');
    let objects = read_all(&[&item]).pop().unwrap();
    assert!(objects.objects.is_empty());
    assert!(
        objects.problems[0]
            .message
            .contains("over the 64 MiB limit")
    );
}

/// What the API server set is not read, in a document and in a List's item alike; the
/// annotations the last-applied one leaves empty are normalisation's business.
#[test]
fn server_set_fields_are_not_read() {
    let object = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: a\n  namespace: x\n  uid: '1'\n  resourceVersion: '2'\n  generation: 3\n  creationTimestamp: '2026-01-01T00:00:00Z'\n  selfLink: /x\n  managedFields:\n  - manager: kubectl\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\n  labels:\n    team: a\nspec:\n  hosts:\n  - a.example\nstatus:\n  conditions: []\n";
    let item = format!("- {}\n", object.trim_end().replace('\n', "\n  "));
    let list = format!("apiVersion: v1\nkind: List\nitems:\n{item}");
    let expected = serde_json::json!({
        "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
        "metadata": {"name": "a", "namespace": "x", "annotations": {}, "labels": {"team": "a"}},
        "spec": {"hosts": ["a.example"]},
    });
    for text in [object.to_owned(), list] {
        let objects = read_objects(&text);
        assert!(objects.problems.is_empty(), "{:?}", objects.problems);
        assert_eq!(objects.objects.len(), 1);
        assert_eq!(objects.objects[0].value, expected, "{text}");
    }
}

/// What the API server adds is left out without reordering what is left: a resource to
/// remove is shown with its keys as deployed.
#[test]
fn server_fields_leave_the_other_keys_in_their_order() {
    let objects = read_objects(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations: {a: b}\n  creationTimestamp: \"2026-01-01T00:00:00Z\"\n  generation: 1\n  labels: {l: v}\n  managedFields: []\n  name: n\n  namespace: ns\n  resourceVersion: \"7\"\n  uid: u\nstatus: {}\n",
    );
    let metadata = objects.objects[0].value["metadata"].as_object().unwrap();
    let keys: Vec<&str> = metadata.keys().map(String::as_str).collect();
    assert_eq!(keys, ["annotations", "labels", "name", "namespace"]);
}
