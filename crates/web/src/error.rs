//! Every error leaves Baton as `{"error": {"code", "message", "field"?, "unmet"?}}` with
//! the status chosen here, and only here.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton_app::AppError;
use baton_core::pipeline::{PipelineError, Unmet};
use baton_store::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a refused pipeline step: every condition that does not hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmet: Vec<Unmet>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, unmet: vec![] }
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message) }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated(m) => Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", m),
            AppError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not_found", m),
            AppError::Invalid { field, message } => Self::invalid(field, message),
            AppError::BadRequest(m) => Self::new(StatusCode::BAD_REQUEST, "bad_request", m),
            AppError::Unavailable(m) => {
                tracing::error!(error = %m, "unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
            AppError::Pipeline(p) => match p {
                PipelineError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
                PipelineError::Invalid { field, message } => Self::invalid(field, message),
                PipelineError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not_found", m),
                refused @ PipelineError::Refused { .. } => {
                    let message = refused.to_string();
                    let PipelineError::Refused { unmet, .. } = refused else { unreachable!() };
                    Self { unmet, ..Self::new(StatusCode::CONFLICT, "refused", message) }
                }
            },
            AppError::Store(StoreError::Conflict(m)) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::Store(StoreError::NotFound(m)) => {
                Self::new(StatusCode::NOT_FOUND, "not_found", format!("{m} not found"))
            }
            AppError::Store(other) => {
                // The details may name tables or paths: log them, tell the caller less.
                tracing::error!(error = %other, "store error");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the store could not complete the request; try again",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut resp = (status, Json(serde_json::json!({ "error": self }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Unknown routes: JSON under `/api`, a page elsewhere, both saying where to go instead.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        let msg = format!("no API route `{}`; the routes are listed in the README under \"HTTP API\"", uri.path());
        ApiError::new(StatusCode::NOT_FOUND, "not_found", msg).into_response()
    } else {
        crate::ui::not_found_page(uri.path()).into_response()
    }
}

/// axum's own refusals — a query string or path parameter that does not parse, a method a
/// route does not take, a request past its time — answer in plain text or with no body.
/// Under `/api` they are given the documented shape: a query field that does not parse is
/// 422 `invalid` naming the field, like a body field.
pub async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.map(|b| String::from_utf8_lossy(&b).into_owned());
    let text = text.unwrap_or_default();
    let error = match text.strip_prefix("Failed to deserialize query string: ") {
        Some(rest) => match rest.split_once(": ") {
            Some((field, problem)) => ApiError::invalid(field, problem),
            None => ApiError::invalid("query", rest),
        },
        None => {
            let code = match status {
                StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
                StatusCode::REQUEST_TIMEOUT => "timeout",
                StatusCode::NOT_FOUND => "not_found",
                StatusCode::PAYLOAD_TOO_LARGE => "too_large",
                s if s.is_server_error() => "unavailable",
                _ => "bad_request",
            };
            let message = match (status, text.trim()) {
                (StatusCode::METHOD_NOT_ALLOWED, _) => {
                    "this route does not take this method; the OpenAPI document lists the ones it takes".to_owned()
                }
                (_, "") => status.canonical_reason().unwrap_or("error").to_owned(),
                (_, t) => t.to_owned(),
            };
            ApiError::new(status, code, message)
        }
    };
    let mut fixed = error.into_response();
    // What the refusal said besides its body (the methods allowed, when to come back) stays.
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            fixed.headers_mut().insert(name, v.clone());
        }
    }
    fixed
}
