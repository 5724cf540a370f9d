//! Signing in and out of the dashboard, and who is looking at a page.
//!
//! The browser signs in with an API token and gets a session cookie (HttpOnly,
//! SameSite=Strict, Secure when served over TLS). Every form carries the session's CSRF
//! token, compared with the one the store holds.

use super::layout::page;
use crate::reads::Reader;
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::{SignedIn, SESSION_LENGTH};
use maud::html;
use serde::Deserialize;

pub const COOKIE: &str = "baton_session";

/// Who is looking: `None` for a visitor who is not signed in (on a view the server opened).
pub struct Viewer {
    pub session: Option<SignedIn>,
    cookie: Option<String>,
}

pub(crate) fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let cookie = cookie_value(&parts.headers);
        // A read's session was looked up by `reads` already.
        if let Some(Reader::Session(s)) = parts.extensions.get::<Reader>() {
            return Ok(Viewer { session: Some(s.clone()), cookie });
        }
        let session = match &cookie {
            Some(c) => state.baton.session(c).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not read the session");
                None
            }),
            None => None,
        };
        Ok(Viewer { session, cookie })
    }
}

/// Why a form was not accepted.
pub enum FormRefused {
    NotSignedIn,
    BadCsrf,
}

impl IntoResponse for FormRefused {
    fn into_response(self) -> Response {
        match self {
            FormRefused::NotSignedIn => Redirect::to("/login").into_response(),
            FormRefused::BadCsrf => forbidden_form(),
        }
    }
}

impl Viewer {
    /// The signed-in session if the form's CSRF token matches it.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<&SignedIn, FormRefused> {
        let Some(s) = &self.session else { return Err(FormRefused::NotSignedIn) };
        match sent {
            Some(t) if constant_time_eq(t.as_bytes(), s.csrf.as_bytes()) => Ok(s),
            _ => Err(FormRefused::BadCsrf),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn forbidden_form() -> Response {
    let body = html! {
        h1 { "This form cannot be accepted" }
        p { "It did not carry this session's security token: it may be from an old page or from another site. Reload the page and try again." }
        p { a href="/" { "Back to the pipeline board" } }
    };
    (StatusCode::FORBIDDEN, page("Refused", None, body)).into_response()
}

fn set_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site: an open redirect would let a link sign someone in and send
/// them elsewhere. Browsers drop tabs and line breaks from a `Location` and read `\` as
/// `/`, so `/\t/evil.example` is `//evil.example`, another host: a path with any control
/// character, space or backslash, or starting `//`, goes to `/` instead (where a person
/// is sent on to their own work, `/me`; and a control character could not be put in the
/// header at all).
fn local(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n
        }
        _ => "/",
    }
}

/// The sign-in form's own CSRF token: a cookie set with the form and the same value in it
/// (double submit). The cookie is SameSite=Strict, so a form posted from another site
/// arrives without it, and cannot sign the visitor in as the attacker (login CSRF).
const LOGIN_COOKIE: &str = "baton_login";

fn login_cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == LOGIN_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

/// The sign-in page with a fresh form token, and the cookie that carries it.
fn login_response(state: &AppState, status: StatusCode, next: &str, error: Option<&str>) -> Response {
    let token = baton_app::random_key();
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}");
    let mut resp = (status, page("Sign in", None, login_form(next, &token, error))).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie.parse().expect("a valid header"));
    resp
}

fn login_form(next: &str, csrf: &str, error: Option<&str>) -> maud::Markup {
    html! {
        h1 { "Sign in" }
        @if let Some(e) = error { p.bad role="alert" { (e) } }
        form.card method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            input type="hidden" name="csrf" value=(csrf);
            label for="token" { "API token" }
            input #token type="password" name="token" autocomplete="off" required placeholder="baton_…";
            button type="submit" { "Sign in" }
        }
        p.meta { "Ask a Baton admin for a token, or create one with " code { "baton token create YOUR.ID" } "." }
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    login_response(&state, StatusCode::OK, local(q.next.as_deref()), None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
    csrf: Option<String>,
}

pub async fn login(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let next = local(f.next.as_deref()).to_owned();
    let genuine = matches!((login_cookie(&headers), f.csrf.as_deref()),
        (Some(c), Some(sent)) if constant_time_eq(c.as_bytes(), sent.as_bytes()));
    if !genuine {
        let why = "This sign-in form expired or came from another site: sign in again.";
        return login_response(&state, StatusCode::FORBIDDEN, &next, Some(why));
    }
    match state.baton.sign_in(f.token.trim()).await {
        Ok((cookie, signed_in)) => {
            // A person signing in without a page to go back to lands on what waits on them.
            let person = matches!(signed_in.principal, baton_app::Principal::Person(_));
            let next = if next == "/" && person { "/me".to_owned() } else { next };
            let mut resp = Redirect::to(&next).into_response();
            let value = set_cookie(&state, &cookie, SESSION_LENGTH.as_seconds());
            resp.headers_mut().insert(header::SET_COOKIE, value.parse().expect("a valid header"));
            resp
        }
        Err(e) => login_response(&state, StatusCode::UNAUTHORIZED, &next, Some(&crate::ApiError::from(e).message)),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: Option<String>,
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer, Form(f): Form<LogoutForm>) -> Response {
    let signed_in = match viewer.check_csrf(f.csrf.as_deref()) {
        Ok(s) => s.clone(),
        Err(refused) => return refused.into_response(),
    };
    if let Some(cookie) = &viewer.cookie {
        if let Err(e) = state.baton.sign_out(cookie, &signed_in.principal).await {
            tracing::warn!(error = %e, "sign-out");
        }
    }
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, "", 0).parse().expect("a valid header"));
    resp
}
