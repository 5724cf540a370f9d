//! The sender's integration tests, one binary for them both: each module was a test file
//! of its own. `cargo test -p baton-notify --test it delivery::` runs one.

mod common;
#[path = "../smtp_sink.rs"]
mod smtp_sink;

mod delivery;
mod email;
mod postgres;
