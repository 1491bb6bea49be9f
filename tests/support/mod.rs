//! Helpers shared by the integration tests (`mod support;` in a test file).

pub mod cli;
pub mod crd_schema;
pub mod examples;
pub mod pyyaml;
