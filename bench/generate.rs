//! Writes the benchmark's inputs: `generate HOSTS DIR` writes the policy files into
//! `DIR/policy/` and the same hosts as a JSON list into `DIR/hosts.json` (the Python
//! baseline's input). `generate --json STREAM OUT` turns a `build` stream into a JSON array
//! of its resources (the build floor's input). `generate --served STREAM OUT` turns a `build`
//! stream into what `kubectl get -o yaml` prints for it: one `kind: List`, every object decorated with the
//! fields the API server sets, in Istio's `v1beta1`, with keys in another order and written
//! in serde_yaml's style.

#[path = "synthetic.rs"]
mod synthetic;

use std::io::Write as _;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, stream, out] if flag == "--served" => {
            let text = std::fs::read_to_string(stream).expect("read the stream");
            let file = std::fs::File::create(out).expect("create the served list");
            let mut writer = std::io::BufWriter::new(file);
            synthetic::write_served(&text, &mut writer).expect("write the served list");
            writer.flush().expect("write the served list");
        }
        [flag, stream, out] if flag == "--json" => {
            let text = std::fs::read_to_string(stream).expect("read the stream");
            // A JSON array written resource by resource, so 100,000 hosts fit in memory.
            let file = std::fs::File::create(out).expect("create the JSON file");
            let mut writer = std::io::BufWriter::new(file);
            let mut empty = true;
            for document in serde_yaml::Deserializer::from_str(&text) {
                let resource: serde_json::Value =
                    serde::Deserialize::deserialize(document).expect("a YAML stream");
                let separator = if empty { b"[" } else { b"," };
                writer.write_all(separator).expect("write JSON");
                empty = false;
                serde_json::to_writer(&mut writer, &resource).expect("write JSON");
            }
            writer
                .write_all(if empty { b"[]" } else { b"]" })
                .expect("write JSON");
            writer.flush().expect("write JSON");
        }
        [hosts, dir] => {
            let hosts: usize = hosts.parse().expect("HOSTS is a number");
            std::fs::create_dir_all(dir).expect("create the output directory");
            let hosts_file = std::fs::File::create(Path::new(dir).join("hosts.json"))
                .expect("create hosts.json");
            serde_json::to_writer(hosts_file, &synthetic::hosts_json(hosts)).expect("write hosts");
            let dir = Path::new(dir).join("policy");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create the policy directory");
            for (name, text) in synthetic::policy_files(hosts) {
                std::fs::write(dir.join(name), text).expect("write a policy file");
            }
        }
        _ => {
            eprintln!(
                "usage: generate HOSTS DIR | generate --served STREAM OUT | generate --json STREAM OUT"
            );
            std::process::exit(2);
        }
    }
}
