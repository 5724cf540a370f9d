//! `/a/<token>`: the acknowledge link in a person's page. The link itself is the
//! credential (signed, for one alert incarnation and one person, expiring), so no sign-in
//! is needed. Opening it (`GET`) changes nothing, since mail scanners and link previews
//! fetch links; it shows the alert and one button that acknowledges it (`POST`).

use super::layout;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_app::paging::AlertView;
use maud::html;

fn summary(view: &AlertView) -> maud::Markup {
    html! {
        dl {
            dt { "Service" } dd { (view.alert.service) }
            dt { "Alert" } dd { (view.alert.summary) }
            dt { "Severity" } dd { (view.alert.severity) }
            dt { "Status" } dd { (format!("{:?}", view.alert.status).to_lowercase()) }
        }
    }
}

fn refused(e: baton_app::AppError) -> Response {
    let e = crate::ApiError::from(e);
    let body = html! {
        h1 { "This link cannot acknowledge the alert" }
        p role="alert" { (e.message) }
        p { "Nothing was changed. " a href="/alerts" { "Open the alerts" } " (you may need to sign in)." }
    };
    (e.status, layout::page("Acknowledge link", None, body)).into_response()
}

pub async fn show(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let (link, view) = match s.baton.ack_link(&token).await {
        Ok(found) => found,
        Err(e) => return refused(e),
    };
    let body = html! {
        h1 { "Acknowledge this alert?" }
        (summary(&view))
        @if view.alert.status == baton_core::paging::Status::Triggered {
            p { "As " strong { (link.person) } ". Acknowledging stops the escalation and the notifications still to come." }
            form method="post" action={ "/a/" (token) } {
                button type="submit" { "Acknowledge" }
            }
        } @else {
            p role="status" { "It was answered already: nothing to do." }
        }
    };
    layout::page("Acknowledge", None, body).into_response()
}

pub async fn acknowledge(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    match s.baton.acknowledge_by_link(&token).await {
        Ok(view) => {
            let by = view.alert.acknowledged.as_ref().map(|a| a.by.to_string()).unwrap_or_default();
            let body = html! {
                h1 { "Acknowledged" }
                p role="status" { "Acknowledged by " (by) ". The escalation has stopped." }
                (summary(&view))
            };
            (StatusCode::OK, layout::page("Acknowledged", None, body)).into_response()
        }
        Err(e) => refused(e),
    }
}
