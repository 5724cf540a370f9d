//! The dashboard: server-rendered HTML that works without JavaScript (one small hashed
//! script keeps lists current where asked), every page bookmarkable.
//! maud escapes every interpolated value, so names and reasons from users cannot inject
//! markup.

mod ack_link;
mod actions;
pub(crate) mod alerts;
mod board;
mod chart;
mod contact;
mod gates;
mod layout;
pub(crate) use layout::{script_text, style_text};
mod oncall;
mod raci;
mod schedule;
mod service;
pub(crate) mod session;
mod slos;
mod work;
pub(crate) mod zone;

use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(board::page))
        .route("/services/{id}", get(service::page))
        .route("/services/{id}/do/{action}", post(actions::act))
        .route("/services/{id}/do/{action}/{arg}", post(actions::act_on))
        .route("/services/{id}/gates/{gate}/vote", post(gates::vote))
        .route("/services/{id}/roadmap/{number}/agree", post(raci::agree))
        .route("/services/{id}/gates/{gate}/ask", post(gates::ask))
        .route("/services/{id}/gates/{gate}/votes/{vote}/withdraw", post(gates::withdraw))
        .route("/oncall", get(oncall::list))
        .route("/oncall/{id}", get(oncall::page))
        .route("/oncall/{id}/do/{action}", post(oncall::act))
        .route("/oncall/{id}/do/{action}/{arg}", post(oncall::act_on))
        .route("/slos", get(slos::overview))
        .route("/slos/{id}", get(slos::page))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{service}/{key}", get(alerts::show))
        .route("/alerts/{service}/{key}/{action}", post(alerts::respond))
        .route("/notifications/{id}/resend", post(alerts::resend))
        .route("/a/{token}", get(ack_link::show).post(ack_link::acknowledge))
        .route("/me", get(work::page))
        .route("/me/shifts", get(schedule::mine))
        .route("/me/notifications", get(contact::page))
        .route("/me/notifications/do/{action}", post(contact::act))
        .route("/me/notifications/do/{action}/{method}", post(contact::act_on))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
}

pub fn not_found_page(path: &str) -> Response {
    let body = maud::html! {
        h1 { "Not found" }
        p { "Nothing lives at " code { (path) } "." }
        p { a href="/" { "Back to the pipeline board" } }
    };
    (StatusCode::NOT_FOUND, layout::page("Not found", None, body)).into_response()
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
        (self.0.status, layout::page("Error", None, body)).into_response()
    }
}
