//! Writes the benchmark's inputs: `generate HOSTS DIR` writes the policy files into
//! `DIR/policy/`. `generate --served STREAM OUT` turns a `build` stream into what
//! `kubectl get -o yaml` prints for it: one `kind: List`, every object decorated with the
//! fields the API server sets, in Istio's `v1beta1`, with keys in another order and written
//! in serde_yaml's style.

#[path = "synthetic.rs"]
mod synthetic;

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, stream, out] if flag == "--served" => {
            let text = std::fs::read_to_string(stream).expect("read the stream");
            std::fs::write(out, synthetic::served(&text)).expect("write the served list");
        }
        [hosts, dir] => {
            let hosts: usize = hosts.parse().expect("HOSTS is a number");
            let dir = Path::new(dir).join("policy");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create the policy directory");
            for (name, text) in synthetic::policy_files(hosts) {
                std::fs::write(dir.join(name), text).expect("write a policy file");
            }
        }
        _ => {
            eprintln!("usage: generate HOSTS DIR | generate --served STREAM OUT");
            std::process::exit(2);
        }
    }
}
