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
