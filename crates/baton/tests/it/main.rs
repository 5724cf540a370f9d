//! Baton's integration tests, one binary (one link of the workspace) for them all: each
//! module was a test file of its own. `cargo test -p baton --test it roles::` runs one.
//! Tests of every module share this process and run on parallel threads, so none sets
//! process-wide state (environment, current directory, fixed ports or names).

mod paging_support;
#[path = "../../../sources/tests/support/mod.rs"]
#[allow(dead_code)]
mod prom_support;
#[path = "../../../notify/tests/smtp_sink.rs"]
mod smtp_sink;
mod support;

mod cli;
mod composite_slo;
mod gates_api;
mod governance;
mod import_tools;
mod oncall_api;
mod oncall_changes;
mod oncall_leave;
mod oncall_log;
mod oncall_week;
mod openslo_import;
mod paging_api;
mod paging_crash;
mod paging_e2e;
mod paging_faults;
mod paging_replicas;
mod pipeline_api;
mod reach_people;
mod roles;
pub mod security;
mod slo_alerting;
mod slo_api;
mod slo_backtest;
mod slo_more;
mod soak_slos;
