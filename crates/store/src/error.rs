use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed it first; read again and retry.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data that does not parse as what this build expects.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the database has migrations this build does not know, or lacks some it needs: {0}")]
    Migrations(String),
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}
