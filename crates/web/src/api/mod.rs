//! `/api/v1`: every pipeline action and read. Reads are open to anyone who can reach
//! Baton; every call that changes something needs a token (`Actor`).

mod audit;
mod ops;
mod org;
mod services;
mod tokens;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().merge(services::routes()).merge(audit::routes()).merge(org::routes()).merge(ops::routes())
        .merge(tokens::routes())
}
