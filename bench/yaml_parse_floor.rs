//! The floor `diff` and `check` are measured against: serde_yaml parsing the same manifests
//! into generic values, single-threaded, and nothing else. `yaml_parse_floor PATH...` reads
//! files and directories (recursively, `*.yaml`) and prints how many documents it parsed.

use std::path::{Path, PathBuf};

pub fn main() {
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files);
    }
    let mut documents = 0usize;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a manifest");
        for document in serde_yaml::Deserializer::from_str(&text) {
            let _value: serde_yaml::Value =
                serde::Deserialize::deserialize(document).expect("valid YAML");
            documents += 1;
        }
    }
    println!("{documents} documents");
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("read a directory")
            .map(|entry| entry.expect("an entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            collect(&entry, files);
        }
    } else if path.extension().is_some_and(|e| e == "yaml") {
        files.push(path.to_owned());
    }
}
