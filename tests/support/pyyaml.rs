//! Test support: reads YAML with `PyYAML`, the reference YAML 1.1 reader.
//!
//! kubectl, Argo CD and Flux read manifests with go-yaml, a YAML 1.1 reader;
//! `PyYAML` resolves scalars the same way (`on` is a boolean, `1:30` a number)
//! and its C loader parses with libyaml, which go-yaml is a port of. No such
//! reader exists as a Rust crate, so the tests drive Python.
//!
//! A fresh machine has `python3` but not `PyYAML`, and the tests run as plain
//! `cargo test`, so this module installs `PyYAML` into a virtual environment at
//! `target/pyyaml-venv` when the system Python lacks it, once, and reuses it
//! afterwards. It never skips: without Python the tests fail and say why.

// Shared by every test binary that declares `mod support;`; each uses a part.
#![allow(dead_code)]

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// Reads a YAML stream from standard input with every safe loader `PyYAML` has
/// (the pure-Python one and, when built with libyaml, the C one) and prints,
/// as JSON, one entry per loader: its documents or its error.
///
/// JSON would silently turn a `True` key into `"true"` and cannot hold a
/// date, so anything that is not a string key or a JSON value is replaced by
/// a `!!type repr` marker string: a mistyped scalar can never compare equal.
/// Floats travel as `{"!!float": repr}` because `serde_json` (without its
/// `float_roundtrip` feature) may parse a float one ulp off; `read_all` turns
/// them back into numbers with Rust's exact parser.
const LOAD_SCRIPT: &str = r#"
import json, sys, yaml

def plain(node):
    if isinstance(node, dict):
        return {plain_key(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, float):
        return {FLOAT: repr(node)}
    if isinstance(node, int) and not isinstance(node, bool) and not -2**63 <= node < 2**64:
        return marker(node)
    if node is None or isinstance(node, (bool, int, str)):
        return node
    return marker(node)

def plain_key(key):
    return key if isinstance(key, str) else marker(key)

def marker(node):
    return "!!%s %r" % (type(node).__name__, node)

FLOAT = "!!float"

text = sys.stdin.buffer.read()
loaders = [("PyYAML SafeLoader", yaml.SafeLoader)]
if getattr(yaml, "__with_libyaml__", False):
    loaders.append(("PyYAML CSafeLoader (libyaml)", yaml.CSafeLoader))
readings = []
for name, loader in loaders:
    try:
        docs = [plain(doc) for doc in yaml.load_all(text, Loader=loader)]
        readings.append({"loader": name, "docs": docs})
    except yaml.YAMLError as error:
        readings.append({"loader": name, "error": str(error)})
json.dump(readings, sys.stdout)
"#;

/// What one `PyYAML` loader made of a stream.
#[derive(Debug)]
pub struct Reading {
    /// Which loader, for failure messages.
    pub loader: String,
    /// The documents as JSON values, or the loader's error message.
    pub docs: Result<Vec<Value>, String>,
}

/// Reads every document of `yaml` with each of `PyYAML`'s safe loaders.
///
/// # Panics
/// When Python cannot be found or run, or prints something unexpected.
#[must_use]
pub fn read_all(yaml: &str) -> Vec<Reading> {
    let stdout = run_with_stdin(python(), yaml);
    let readings: Vec<Value> = serde_json::from_slice(&stdout)
        .unwrap_or_else(|e| panic!("PyYAML loader printed invalid JSON ({e})"));
    readings.into_iter().map(into_reading).collect()
}

fn into_reading(mut reading: Value) -> Reading {
    let loader = reading["loader"].as_str().unwrap_or("?").to_owned();
    let docs = match reading["docs"].take() {
        Value::Array(mut docs) => {
            docs.iter_mut().for_each(restore_floats);
            Ok(docs)
        }
        _ => Err(reading["error"].as_str().unwrap_or("?").to_owned()),
    };
    Reading { loader, docs }
}

/// Replaces each `{"!!float": repr}` by the number, or by a `!!float repr`
/// marker string when it is not finite (JSON has no NaN or infinity).
fn restore_floats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let (1, Some(Value::String(repr))) = (map.len(), map.get("!!float")) {
                *value = repr
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(format!("!!float {repr}")), Value::Number);
            } else {
                map.values_mut().for_each(restore_floats);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(restore_floats),
        _ => {}
    }
}

/// Runs the load script; standard input is fed from another thread so that a
/// large stream cannot deadlock against a full standard output pipe.
fn run_with_stdin(python: &Path, input: &str) -> Vec<u8> {
    let mut child = Command::new(python)
        .args(["-c", LOAD_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("wait for python");
    writer
        .join()
        .expect("stdin writer")
        .expect("write YAML to python");
    assert!(
        output.status.success(),
        "PyYAML loader failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The Python interpreter that has `PyYAML`, found or set up once per process.
///
/// # Panics
/// When there is no `python3`, or `PyYAML` cannot be installed.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(find_or_install)
}

fn find_or_install() -> PathBuf {
    let system = PathBuf::from("python3");
    assert!(
        succeeds(Command::new(&system).arg("--version")),
        "python3 is not on PATH: the YAML cross-reader tests read egressc's output back \
         with PyYAML, a YAML 1.1 reader. Install Python 3 with its venv module \
         (Debian: apt-get install python3 python3-venv)."
    );
    if has_pyyaml(&system) {
        return system;
    }
    let venv = target_dir().join("pyyaml-venv");
    let venv_python = venv.join("bin").join("python");
    if !has_pyyaml(&venv_python) {
        install_venv(&system, &venv);
    }
    assert!(
        has_pyyaml(&venv_python),
        "{} cannot import yaml after installing PyYAML into {}",
        venv_python.display(),
        venv.display()
    );
    venv_python
}

/// Cargo's target directory (the parent of the integration tests' tmp dir),
/// so the venv follows `CARGO_TARGET_DIR` and goes away with `cargo clean`.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// Builds the venv in a staging directory and renames it into place, so that
/// test binaries running at the same time never see a half-built one: the
/// first rename wins and the others discard their copy. A venv still works
/// after the rename, because Python finds it from `bin/python`'s own path.
fn install_venv(system: &Path, venv: &Path) {
    let staging = venv.with_file_name(format!("pyyaml-venv.staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    run(
        Command::new(system).arg("-m").arg("venv").arg(&staging),
        "create a venv",
    );
    run(
        Command::new(staging.join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("pyyaml"),
        "pip install pyyaml (needs access to PyPI)",
    );
    let venv_python = venv.join("bin").join("python");
    if venv.exists() && !has_pyyaml(&venv_python) {
        // Left behind by another Python version, say: move it aside atomically
        // rather than delete it in place under another process's feet.
        let stale = venv.with_file_name(format!("pyyaml-venv.stale-{}", std::process::id()));
        if fs::rename(venv, &stale).is_ok() {
            let _ = fs::remove_dir_all(&stale);
        }
    }
    if let Err(error) = fs::rename(&staging, venv) {
        assert!(
            has_pyyaml(&venv_python),
            "cannot move {} to {}: {error}",
            staging.display(),
            venv.display()
        );
    }
    // Only left over when another process won the race.
    let _ = fs::remove_dir_all(&staging);
}

fn has_pyyaml(python: &Path) -> bool {
    succeeds(Command::new(python).args(["-c", "import yaml"]))
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot {what}: {e}"));
    assert!(
        output.status.success(),
        "cannot {what} ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts that every PyYAML loader reads `yaml` to the same documents as `serde_yaml`.
///
/// # Panics
/// When a loader fails or reads any document differently.
pub fn assert_reads_like_serde_yaml(yaml: &str) {
    use serde::Deserialize;
    let expected: Vec<Value> = serde_yaml::Deserializer::from_str(yaml)
        .map(|doc| Value::deserialize(doc).expect("valid YAML"))
        .collect();
    for reading in read_all(yaml) {
        let docs = reading
            .docs
            .unwrap_or_else(|e| panic!("{}: {e}", reading.loader));
        assert_eq!(
            docs, expected,
            "{} reads the output differently",
            reading.loader
        );
    }
}
