//! The bundled examples, as the tests that build every one of them find them.
// Not every test that includes `support` builds the examples.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

fn is_kdl(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "kdl")
}

/// Each example: a `.kdl` file, or a directory of them built together (`examples/templates`
/// holds templates, not policies). Sorted.
pub fn all() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            is_kdl(p)
                || (p.is_dir()
                    && std::fs::read_dir(p)
                        .unwrap()
                        .any(|e| is_kdl(&e.unwrap().path())))
        })
        .collect();
    found.sort();
    found
}
