//! The definition repo's integration tests, one binary for them all: each module was a
//! test file of its own. `cargo test -p baton-config --test it slos::` runs one.

mod support;

mod budget_policy;
mod contacts;
mod escalations;
mod examples;
mod gates;
mod import;
mod load;
mod openslo_as_written;
mod raci;
mod rotations;
mod slos;
