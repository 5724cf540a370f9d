//! The definition repo: a directory of YAML files that describes the organisation.
//!
//! `load` reads every file, reports every problem it finds as `file:line:column: message`
//! (all of them, not the first), checks references across files, and builds a
//! [`baton_core::Org`]. Nothing here touches the store.
#![forbid(unsafe_code)]

mod contacts;
mod diagnostic;
mod docs;
mod document;
mod escalations;
pub mod export;
mod gates;
pub mod import;
mod leave;
mod openslo;
mod promql;
mod raci;
mod repo;
mod rotations;
mod slos;
mod validate;
mod yaml_out;

pub use diagnostic::{Diagnostic, Severity};
pub use repo::{load, Loaded};
