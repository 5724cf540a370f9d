//! Who may read. Pages and API answers name people — their contact details and time
//! zones, sign-ins, shift notes, the on-call log, the audit log — so by default every read
//! needs a signed-in caller: an API token, or a browser session (a page redirects to the
//! sign-in form, an API call answers 401). `serve --open-reads` opens chosen views that
//! hold no personal data, for a wall screen, say: [`OpenReads`].
//!
//! Always open: the sign-in form, liveness and readiness, `/metrics` (counts only), the
//! OpenAPI document, and the calendar feeds (their own secret is in the URL). Writes are
//! not this module's: each takes a token or a session and its CSRF token, as before.

use crate::ui::session;
use crate::{ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use baton_app::{Principal, SignedIn};
use std::str::FromStr;

/// The views a server opens to readers who are not signed in. Each holds no personal data
/// (who signed or declared what is left out for them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenReads {
    /// The pipeline board (`GET /`): services, stages and what blocks them.
    pub board: bool,
    /// SLO reports (`GET /api/v1/slos`, `.../{id}/report`, `.../{id}/compliance`, and the
    /// `/slos` page), without the corrections' list (which names who declared each).
    pub slos: bool,
    /// Every read, personal data included: only for a closed network or the demo's
    /// fictional organisation.
    pub all: bool,
}

impl OpenReads {
    pub const NONE: OpenReads = OpenReads { board: false, slos: false, all: false };
    pub const ALL: OpenReads = OpenReads { board: true, slos: true, all: true };

    fn opens(&self, path: &str) -> bool {
        if self.all {
            return true;
        }
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let board = path == "/";
        let slos = matches!(
            parts.as_slice(),
            ["", "api", "v1", "slos"] | ["", "api", "v1", "slos", _, "report" | "compliance"] | ["", "slos"]
        );
        (self.board && board) || (self.slos && slos)
    }
}

/// `none`, `all`, or views separated by commas: `board,slos`.
impl FromStr for OpenReads {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut open = OpenReads::NONE;
        for view in s.split(',').map(str::trim) {
            match view {
                "none" | "" => {}
                "board" => open.board = true,
                "slos" => open.slos = true,
                "all" => open = OpenReads::ALL,
                other => {
                    return Err(format!(
                        "`{other}` is not a view to open: use board, slos (no personal data), all, or none"
                    ))
                }
            }
        }
        Ok(open)
    }
}

/// Who is reading, as the middleware found out; handlers and extractors use it rather
/// than looking the token or session up again.
#[derive(Clone)]
pub enum Reader {
    Token(Principal),
    Session(SignedIn),
    /// Not signed in, reading a view the server opened: personal data is left out.
    Anonymous,
}

fn always_open(path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/readyz" | "/metrics" | "/api/v1/openapi.json")
        || path.starts_with("/feeds/")
        // An acknowledge link is its own credential (signed, single-use, expiring).
        || path.starts_with("/a/")
}

/// The middleware: a read goes on with its [`Reader`], or is answered 401 (API) or sent to
/// the sign-in form (pages).
pub async fn require_reader(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !matches!(*request.method(), Method::GET | Method::HEAD) || always_open(path) {
        return next.run(request).await;
    }
    let api = path.starts_with("/api/");
    let reader = if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).unwrap_or("");
        match state.baton.authenticate(token).await {
            Ok(principal) => Reader::Token(principal),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        let signed_in = match session::cookie_value(request.headers()) {
            Some(cookie) => state.baton.session(&cookie).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not read the session");
                None
            }),
            None => None,
        };
        match signed_in {
            Some(s) => Reader::Session(s),
            // Every read open: nothing is left out (a closed network, the demo).
            None if state.config.open_reads.all => return next.run(request).await,
            None if state.config.open_reads.opens(path) => Reader::Anonymous,
            None if api => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "reading needs a signed-in caller: send `Authorization: Bearer <token>` (create one with `baton token create PERSON`)",
                )
                .into_response()
            }
            None => return sign_in_first(&request),
        }
    };
    request.extensions_mut().insert(reader);
    next.run(request).await
}

/// To the sign-in form, which comes back here afterwards.
fn sign_in_first(request: &Request) -> Response {
    let here = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_open_only_their_own_paths() {
        // Paths built, not written: the OpenAPI test reads route literals out of this crate.
        let api = |rest: &str| format!("/{}/{rest}", "api/v1");
        let open: OpenReads = "board, slos".parse().unwrap();
        assert!(open.opens("/") && open.opens(&api("slos")) && open.opens(&api("slos/ledger-availability/report")));
        assert!(open.opens("/slos"));
        assert!(open.opens(&api("slos/ledger-availability/compliance")));
        for closed in [api("slos/x/corrections"), api("services"), api("audit"), "/oncall".into(), "/services/x".into()]
        {
            assert!(!open.opens(&closed), "{closed}");
        }
        assert_eq!("none".parse::<OpenReads>().unwrap(), OpenReads::NONE);
        assert!("all".parse::<OpenReads>().unwrap().opens(&api("audit")));
        assert!("board,wall".parse::<OpenReads>().unwrap_err().contains("`wall` is not a view"));
    }
}
