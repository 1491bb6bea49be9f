//! The floor `build` is measured against: the kdl crate parsing the policy files, and
//! serde_json serializing the resources `build` writes for them, and nothing else.
//!
//! `build_floor POLICY_DIR RESOURCES_JSON (--stream FILE | -o DIR)` reads the resources
//! first (a JSON array that bench/run converts once from `build`'s own stream; the floor has
//! to hold the resources to serialize them, and no program can build them for less than
//! reading them), then parses every `*.kdl` file of the policy with the kdl crate, the files
//! split over every core, as `build` may, then writes the resources as JSON: all into one file
//! (`--stream`), or one file a resource (`-o`). `build_floor --load-only RESOURCES_JSON`
//! only reads the resources: bench/run times it too and subtracts it, so the floor is the
//! parse and the serialization alone. `build_floor --parse-only POLICY_DIR` only parses the
//! policy: a part of the floor measured directly, so a subtraction that leaves less than it
//! is known to measure noise (at 100,000 hosts the read is most of the floor's run).
//!
//! `--one-core` before the arguments parses the files one after another on one core: the
//! floor as issue 7 states it (the kdl crate's parse rate, plus serialization), against
//! which reading a multi-file policy in parallel counts in `build`'s favour. Without it the
//! parse is split over every core, as `build`'s is: a stricter floor.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

// The allocator egressc links: the kdl crate's parse allocates for every node and value, and
// is about 7% faster with mimalloc than with the system allocator, which would put the floor
// above what `build` itself can reach.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let one_core = args.first().is_some_and(|a| a == "--one-core");
    if one_core {
        args.remove(0);
    }
    let threads = if one_core {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    };
    match args.as_slice() {
        [flag, resources] if flag == "--load-only" => {
            println!("{} resources", load(Path::new(resources)).len());
        }
        [flag, policy] if flag == "--parse-only" => {
            println!("{} KDL nodes", parse_policy(Path::new(policy), threads));
        }
        [policy, resources, mode, out] if mode == "--stream" || mode == "-o" => {
            let resources = load(Path::new(resources));
            let nodes = parse_policy(Path::new(policy), threads);
            if mode == "--stream" {
                write_stream(&resources, Path::new(out));
            } else {
                write_files(&resources, Path::new(out));
            }
            println!("{nodes} KDL nodes, {} resources", resources.len());
        }
        _ => {
            eprintln!(
                "usage: build_floor [--one-core] POLICY_DIR RESOURCES_JSON (--stream FILE | -o DIR) \
                 | build_floor --load-only RESOURCES_JSON \
                 | build_floor [--one-core] --parse-only POLICY_DIR"
            );
            std::process::exit(2);
        }
    }
}

fn load(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).expect("read the resources");
    serde_json::from_slice(&bytes).expect("a JSON array of resources")
}

/// Parses the policy's files on `threads` threads; returns the number of top-level nodes so
/// the parse cannot be optimised away.
fn parse_policy(dir: &Path, threads: usize) -> usize {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the policy directory")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "kdl"))
        .collect();
    files.sort();
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|file| parse_file(file)).sum::<usize>())
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a parser thread"))
            .sum()
    })
}

fn parse_file(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).expect("read a policy file");
    kdl::KdlDocument::parse_v2(&text)
        .expect("valid KDL")
        .nodes()
        .len()
}

fn write_stream(resources: &[Value], out: &Path) {
    let mut writer = BufWriter::new(std::fs::File::create(out).expect("create the stream"));
    for resource in resources {
        serde_json::to_writer(&mut writer, resource).expect("write JSON");
        writer.write_all(b"\n").expect("write JSON");
    }
    writer.flush().expect("write JSON");
}

fn write_files(resources: &[Value], dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create the output directory");
    for (index, resource) in resources.iter().enumerate() {
        let bytes = serde_json::to_vec(resource).expect("JSON");
        std::fs::write(dir.join(format!("{index:06}.json")), bytes).expect("write a resource");
    }
}
