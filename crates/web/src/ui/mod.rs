//! The dashboard: server-rendered HTML, no JavaScript, every page bookmarkable.
//! maud escapes every interpolated value, so names and reasons from users cannot inject
//! markup.

mod board;
mod layout;
mod service;

use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(board::page)).route("/services/{id}", get(service::page))
}

pub fn not_found_page(path: &str) -> Response {
    let body = maud::html! {
        h1 { "Not found" }
        p { "Nothing lives at " code { (path) } "." }
        p { a href="/" { "Back to the pipeline board" } }
    };
    (StatusCode::NOT_FOUND, layout::page("Not found", body)).into_response()
}

/// An error while rendering a page, shown as a page rather than JSON.
pub struct PageError(crate::ApiError);

impl From<baton_app::AppError> for PageError {
    fn from(e: baton_app::AppError) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = maud::html! {
            h1 { "Something is not right" }
            p { (self.0.message) }
            p { a href="/" { "Back to the pipeline board" } }
        };
        (self.0.status, layout::page("Error", body)).into_response()
    }
}
