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
}
