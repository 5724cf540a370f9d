//! `GET /feeds/{secret}.ics`: iCalendar feeds (RFC 5545) for calendar apps. Outside the
//! JSON API on purpose: the secret in the path is the credential, since calendar apps send
//! no token, and the answer is `text/calendar`. Made and revoked through
//! `/api/v1/feeds`; an unknown or revoked secret answers 404 like any missing page.

use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use baton_app::AppError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/feeds/{file}", get(serve_feed))
}

async fn serve_feed(State(s): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let secret = file
        .strip_suffix(".ics")
        .ok_or_else(|| ApiError::from(AppError::NotFound("no such calendar feed: feed URLs end in .ics".into())))?;
    let calendar = s.baton.feed_ics(secret).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
        // Calendar apps poll; a few minutes' staleness is fine, and nothing shared may keep it.
        (header::CACHE_CONTROL, "private, max-age=300"),
    ];
    Ok((headers, calendar).into_response())
}
