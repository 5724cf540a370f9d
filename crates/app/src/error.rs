use baton_core::pipeline::PipelineError;
use baton_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("{0}")]
    NotFound(String),
    /// Authenticated, but this caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No credentials, or credentials that are unknown, expired or revoked.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A body that is not what it claims to be (a JUnit report that does not parse); the
    /// message names the problem and where.
    #[error("{0}")]
    BadRequest(String),
    /// Baton cannot take this now (a background worker stopped, the store gave up); the
    /// caller may retry.
    #[error("{0}")]
    Unavailable(String),
}

impl From<baton_core::access::Forbidden> for AppError {
    fn from(e: baton_core::access::Forbidden) -> Self {
        AppError::Forbidden(e.0)
    }
}
