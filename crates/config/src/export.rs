//! `baton export openslo`: the applied SLOs as plain OpenSLO v1 (to be written).

use baton_core::Org;

pub fn openslo(_org: &Org) -> String {
    String::new()
}
