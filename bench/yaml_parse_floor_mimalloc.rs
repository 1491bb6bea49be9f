//! The floor of `yaml_parse_floor.rs` with the allocator egressc links (mimalloc): how much of
//! egressc's distance to the floor is the allocator rather than its own work.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "yaml_parse_floor.rs"]
mod floor;

fn main() {
    floor::main();
}
