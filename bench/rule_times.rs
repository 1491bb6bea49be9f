//! How long each rule takes: `rule_times [--runs N] [--only CODE] PATH...` reads manifests (files and
//! directories, recursively, `*.yaml`) as `check` does, then N times (default 5) builds the
//! rules' index and the tables the rules share, runs every rule on one thread, and prints
//! the best time of each step.
//!
//! Times are the process's CPU time (`CLOCK_PROCESS_CPUTIME_ID`), not wall time: on a busy
//! machine a rule's wall time counts the time other processes had the core. Building the
//! index and the shared tables uses both cores; their CPU time is the sum of both.
//!
//! Each run starts from a fresh index; the rules run in code order. It
//! links mimalloc, as the binary does, so the allocations the rules make cost what they cost
//! in `build` and `check`.

use std::path::PathBuf;
use std::time::Duration;

use egressc::manifest::Manifest;
use egressc::manifest::read::read_str;
use egressc::rules::{Index, RULES};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 5;
    if let Some(at) = args.iter().position(|a| a == "--runs") {
        runs = args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .expect("--runs takes a number");
        args.drain(at..=at + 1);
    }
    // `--only M022`: run that rule alone, e.g. under a profiler.
    let mut only = None;
    if let Some(at) = args.iter().position(|a| a == "--only") {
        only = Some(
            args.get(at + 1)
                .expect("--only takes a code")
                .to_uppercase(),
        );
        args.drain(at..=at + 1);
    }
    // The files `check` would read for the same arguments.
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let inputs = egressc::input::manifest_inputs(&paths, egressc::input::EmptyDirectories::Refuse)
        .unwrap_or_else(|e| panic!("{e}"));
    let manifests: Vec<Manifest> = inputs
        .iter()
        .flat_map(|input| {
            let egressc::input::ManifestInput::File(file) = input else {
                panic!("rule_times reads files, not stdin");
            };
            let text = std::fs::read_to_string(file).expect("read a manifest");
            read_str(&text).manifests.into_iter().map(|m| m.manifest)
        })
        .collect();
    let mut index_best = Duration::MAX;
    let mut tables_best = Duration::MAX;
    let mut rule_best = vec![Duration::MAX; RULES.len()];
    let mut findings = 0;
    for _ in 0..runs {
        let started = cpu_time();
        let index = Index::new(&manifests, "default", None);
        index_best = index_best.min(cpu_time().saturating_sub(started));
        let started = cpu_time();
        index.build_shared_tables();
        tables_best = tables_best.min(cpu_time().saturating_sub(started));
        let mut found = Vec::new();
        for (rule, best) in RULES.iter().zip(&mut rule_best) {
            if only.as_deref().is_some_and(|code| code != rule.code.id) {
                continue;
            }
            let started = cpu_time();
            (rule.check)(&index, &mut found);
            *best = (*best).min(cpu_time().saturating_sub(started));
        }
        findings = found.len();
    }
    println!(
        "{} resources, {findings} findings, best of {runs} runs",
        manifests.len()
    );
    println!("{:<6} {:>9}", "Index", millis(index_best));
    println!("{:<6} {:>9}", "Tables", millis(tables_best));
    // Rules left out by `--only` never ran.
    let ran = || {
        RULES
            .iter()
            .zip(&rule_best)
            .filter(|(_, best)| **best != Duration::MAX)
    };
    for (rule, best) in ran() {
        println!("{:<6} {:>9}", rule.code.id, millis(*best));
    }
    let total: Duration = ran().map(|(_, best)| *best).sum();
    println!("{:<6} {:>9}", "rules", millis(total));
}

/// `struct timespec` on 64-bit Linux.
#[repr(C)]
struct Timespec {
    seconds: i64,
    nanoseconds: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
}

/// The CPU time this process has used, on all its threads.
fn cpu_time() -> Duration {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut time = Timespec {
        seconds: 0,
        nanoseconds: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `time`.
    let status = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &raw mut time) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(
        u64::try_from(time.seconds).expect("a CPU time is positive"),
        u32::try_from(time.nanoseconds).expect("nanoseconds fit"),
    )
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
