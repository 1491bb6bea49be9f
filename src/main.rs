//! The `egressc` binary: everything lives in the library; this only hands over.

/// egressc's work on big repositories is building and dropping many small values (YAML
/// nodes, JSON maps, strings) on every core; mimalloc does that markedly faster than the
/// system allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    egressc::cli::main()
}
