//! Output layouts (`--layout stream|files|kustomize|per-host`) and mesh config forms
//! (`--mesh-config`), as users see them on disk: the file listing of each layout, the
//! kustomizations, and every file carrying exactly one document of the stream.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn egressc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egressc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("egressc runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir.join("out")
}

/// Every file under `dir`, as `/`-separated relative paths, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn build_into(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["build", "examples/egress.kdl", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = egressc(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The stream's documents, to compare file contents with.
fn stream_documents(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["build", "examples/egress.kdl"];
    args.extend_from_slice(extra);
    let output = egressc(&args);
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .split("---\n")
        .map(str::to_owned)
        .collect()
}

fn assert_each_file_is_one_document(dir: &Path, files: &[String], documents: &[String]) {
    let resources: Vec<_> = files
        .iter()
        .filter(|f| !f.ends_with("kustomization.yaml") && !f.starts_with('.'))
        .collect();
    assert_eq!(resources.len(), documents.len(), "{files:#?}");
    for file in resources {
        let contents = fs::read_to_string(dir.join(file)).unwrap();
        assert!(documents.contains(&contents), "{file} is not in the stream");
    }
}

#[test]
fn files_layout_has_no_kustomization() {
    let dir = scratch("layout-files");
    build_into(&dir, &["--layout", "files"]);
    let files = tree(&dir);
    insta::assert_snapshot!("files", files.join("\n"));
    assert_each_file_is_one_document(&dir, &files, &stream_documents(&[]));
}

#[test]
fn kustomize_is_the_default_with_o() {
    let default = scratch("layout-default");
    build_into(&default, &[]);
    let explicit = scratch("layout-kustomize");
    build_into(&explicit, &["--layout", "kustomize"]);
    assert_eq!(tree(&default), tree(&explicit));
    assert!(tree(&default).contains(&"kustomization.yaml".to_owned()));
}

#[test]
fn per_host_layout_has_a_directory_a_host() {
    let dir = scratch("layout-per-host");
    build_into(&dir, &["--layout", "per-host"]);
    let files = tree(&dir);
    insta::assert_snapshot!("per_host", files.join("\n"));
    let kustomization = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    insta::assert_snapshot!("per_host_kustomization", kustomization);
    assert_each_file_is_one_document(&dir, &files, &stream_documents(&[]));
}

#[test]
fn per_host_rerun_keeps_files_others_put_into_host_directories() {
    let dir = scratch("layout-per-host-rerun");
    build_into(&dir, &["--layout", "per-host"]);
    let foreign = dir.join("api.example.com/networkpolicy-extra.yaml");
    fs::write(&foreign, "kept\n").unwrap();
    build_into(&dir, &["--layout", "per-host"]);
    assert_eq!(fs::read_to_string(&foreign).unwrap(), "kept\n");
    // Switching layouts retires the old files egressc wrote, not the foreign one.
    build_into(&dir, &["--layout", "files"]);
    assert_eq!(fs::read_to_string(&foreign).unwrap(), "kept\n");
    assert!(!dir.join("mesh").join("istiooperator-egressc.yaml").exists());
    assert!(dir.join("istiooperator-egressc.yaml").exists());
}

#[test]
fn layouts_and_output_must_agree() {
    let stream_into_dir = egressc(&[
        "build",
        "examples/egress.kdl",
        "--layout",
        "stream",
        "-o",
        "target/never",
    ]);
    assert_eq!(stream_into_dir.status.code(), Some(2));
    let dir_layout_on_stdout = egressc(&["build", "examples/egress.kdl", "--layout", "per-host"]);
    assert_eq!(dir_layout_on_stdout.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&dir_layout_on_stdout.stderr),
        "error: a directory layout needs `-o DIR`\n"
    );
}

#[test]
fn mesh_config_as_a_configmap() {
    let documents = stream_documents(&["--mesh-config", "configmap"]);
    insta::assert_snapshot!("mesh_config_configmap", documents[0]);
}

#[test]
fn mesh_config_as_helm_values_is_a_file_outside_the_kustomization() {
    let on_stdout = egressc(&[
        "build",
        "examples/egress.kdl",
        "--mesh-config",
        "helm-values",
    ]);
    assert_eq!(on_stdout.status.code(), Some(2));
    let dir = scratch("mesh-config-helm");
    build_into(&dir, &["--mesh-config", "helm-values"]);
    let values = fs::read_to_string(dir.join("istiod-values.yaml")).unwrap();
    insta::assert_snapshot!("mesh_config_helm_values", values);
    let kustomization = fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    assert!(
        kustomization.contains(
            "# istiod-values.yaml is for `helm install -f` (istiod chart), not for kubectl"
        )
    );
    assert!(!kustomization.contains("- istiod-values.yaml"));
}

#[test]
fn per_host_layout_puts_template_extras_beside_their_host() {
    let dir = scratch("layout-per-host-templates");
    build_into(
        &dir,
        &["--layout", "per-host", "--templates", "examples/templates"],
    );
    let files = tree(&dir);
    for expected in [
        "api.example.com/prometheusrule-egress-api-example-com.yaml",
        "wildcard.wikipedia.org/serviceentry-egress-wildcard-wikipedia-org.yaml",
        "mesh/configmap-egress-inventory.yaml",
        "mesh/istiooperator-egressc.yaml",
    ] {
        assert!(
            files.contains(&expected.to_owned()),
            "{expected} in {files:#?}"
        );
    }
}

/// `build -o` writes each file as its document is made, so a collision of two file names
/// is found after others were written: the run must still leave the output directory as it
/// was and no staging directory beside it.
#[test]
fn a_file_name_collision_found_while_writing_leaves_the_output_as_it_was() {
    let out = scratch("layout-collision");
    build_into(&out, &[]);
    let before = tree(&out);
    let templates = out.with_file_name("templates");
    fs::create_dir_all(&templates).unwrap();
    // One ConfigMap a host, each in its own namespace: valid for the cluster, but every
    // one of them is `configmap-inventory.yaml` in the `files` layout.
    fs::write(
        templates.join("host-inventory.yaml.j2"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inventory\n  \
         namespace: \"{{ host.name | replace('.', '-') | replace('*', 'w') }}\"\n",
    )
    .unwrap();
    let output = egressc(&[
        "build",
        "examples/egress.kdl",
        "-o",
        out.to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("two documents would be written to `configmap-inventory.yaml`"),
        "{stderr}"
    );
    assert_eq!(tree(&out), before);
    let mut beside: Vec<String> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["out", "templates"]);
}
