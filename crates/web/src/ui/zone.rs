//! Times on pages are shown in the reader's own time zone, named (`2026-12-07 09:00
//! America/Sao_Paulo`): the zone of the signed-in person as the definitions give it, else
//! UTC, with the UTC instant on hover ([`at`]). The zone is set for the request by
//! [`local_times`] and read by [`when`]; forms that take a time take it in the zone they
//! name.

use crate::reads::Reader;
use crate::ui::session;
use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use baton_app::Principal;
use baton_core::local_time::local;
use baton_core::Timestamp;
use jiff::tz::TimeZone;

tokio::task_local! {
    static ZONE: TimeZone;
}

/// `t` in the reader's zone, the zone named (`baton_core::local_time::local`, as the CLI,
/// notifications and calendar feeds spell it).
pub fn when(t: Timestamp) -> String {
    ZONE.try_with(|tz| local(t, tz)).unwrap_or_else(|_| local(t, &TimeZone::UTC))
}

/// `t` as a `<time>` element: in the reader's zone, its UTC instant on hover (to the
/// second) and in `datetime`.
pub fn at(t: Timestamp) -> maud::Markup {
    maud::html! {
        time datetime=(t.strftime("%Y-%m-%dT%H:%M:%SZ")) title=(format!("{} UTC", t.strftime("%Y-%m-%d %H:%M:%S"))) { (when(t)) }
    }
}

/// The reader's zone (UTC unless they are signed in and their definition gives one).
pub fn reader_zone() -> TimeZone {
    ZONE.try_with(TimeZone::clone).unwrap_or(TimeZone::UTC)
}

/// The reader's zone by name, as pages say which zone their times are in.
pub fn reader_zone_label() -> String {
    reader_zone().iana_name().unwrap_or("UTC").to_owned()
}

/// The middleware: finds the reader's zone and renders the page within it.
pub async fn local_times(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let signed_in = match request.extensions().get::<Reader>() {
        Some(Reader::Session(s)) => Some(s.principal.clone()),
        Some(_) => None,
        None => match session::cookie_value(request.headers()) {
            Some(cookie) => state.baton.session(&cookie).await.ok().flatten().map(|s| s.principal),
            None => None,
        },
    };
    let zone = match signed_in {
        Some(Principal::Person(person)) => {
            state.baton.org().await.ok().and_then(|org| org.people.get(&person).and_then(|p| p.time_zone()))
        }
        _ => None,
    };
    ZONE.scope(zone.unwrap_or(TimeZone::UTC), next.run(request)).await
}
