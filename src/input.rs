//! Finds and reads the policy files a command names.
//!
//! A directory means every `*.kdl` directly inside it. The list is sorted and de-duplicated,
//! so the result does not depend on the order in which files are named.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A path that could not be read, with what to do about it.
#[derive(Debug)]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for InputError {}

fn io_error(path: &Path, error: &io::Error) -> InputError {
    let message = match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    };
    InputError {
        path: path.to_owned(),
        message,
    }
}

/// The policy files named by `paths`, sorted and without repeats.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| io_error(path, &e))?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = fs::read_dir(path)
            .map_err(|e| io_error(path, &e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|e| e == "kdl") && p.is_file())
            .collect();
        if found.is_empty() {
            return Err(InputError {
                path: path.clone(),
                message: "directory has no `*.kdl` policy files".to_owned(),
            });
        }
        found.sort();
        files.append(&mut found);
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Reads a file's bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    fs::read(path).map_err(|e| io_error(path, &e))
}

/// Where a manifest stream comes from: a file, or standard input (`-`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ManifestInput {
    File(PathBuf),
    Stdin,
}

/// The manifest files named by `paths`: files as named, directories searched recursively
/// for `*.yaml` and `*.yml` (skipping hidden directories such as `.git`), `-` for stdin.
/// Sorted and without repeats; stdin comes first, once.
pub fn manifest_inputs(
    paths: &[PathBuf],
    empty: EmptyDirectories,
) -> Result<Vec<ManifestInput>, InputError> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(ManifestInput::Stdin);
            continue;
        }
        let meta = fs::metadata(path).map_err(|e| io_error(path, &e))?;
        if !meta.is_dir() {
            inputs.push(ManifestInput::File(path.clone()));
            continue;
        }
        let mut found = Vec::new();
        find_yaml(path, &mut found)?;
        if found.is_empty() && empty == EmptyDirectories::Refuse {
            return Err(InputError {
                path: path.clone(),
                message: "directory has no `*.yaml` or `*.yml` files".to_owned(),
            });
        }
        inputs.extend(found.into_iter().map(ManifestInput::File));
    }
    inputs.sort();
    inputs.dedup();
    Ok(inputs)
}

/// What a directory without manifests means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyDirectories {
    /// A mistake: `check` was pointed at the wrong place.
    Refuse,
    /// Nothing: `diff` against a repository that has nothing deployed yet.
    Allow,
}

fn find_yaml(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io_error(dir, &e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_dir() {
            if !hidden {
                find_yaml(&path, found)?;
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            found.push(path);
        }
    }
    Ok(())
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes).map_err(|e| InputError {
        path: PathBuf::from("<stdin>"),
        message: e.to_string(),
    })?;
    Ok(bytes)
}
