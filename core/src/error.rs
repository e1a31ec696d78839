//! The one error type of Portico's services; the UI maps it to its public form.

use std::fmt;

/// What went wrong, in terms a caller can act on. `Internal` keeps its cause for the log only.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("sign in required")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("{field}: {message}")]
    Validation { field: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Error::Validation { field, message: message.into() }
    }

    /// Wraps an unexpected failure; the cause is logged here, once, and never shown to users.
    pub fn internal(context: &str, cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        Error::Internal(context.to_string())
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        Error::internal("database error", e)
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(e: sea_orm::TransactionError<Error>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner,
        }
    }
}
