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
    /// Several fields of one form are invalid: each with its message, in the form's order.
    #[error("{} fields are invalid", .0.len())]
    Invalid(Vec<(&'static str, String)>),
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

/// Checks every field of a form and reports all the invalid ones at once (not only the first):
/// `let name = errors.check(Line::parse(…));` for each field, then `errors.finish()?` and use
/// the values.
#[derive(Default)]
pub struct FormErrors {
    fields: Vec<(&'static str, String)>,
    other: Option<Error>,
}

impl FormErrors {
    /// The parsed value; a field's error is kept and `None` returned in its place.
    pub fn check<T>(&mut self, parsed: Result<T>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(Error::Validation { field, message }) => {
                self.fields.push((field, message));
                None
            }
            Err(Error::Invalid(mut many)) => {
                self.fields.append(&mut many);
                None
            }
            Err(other) => {
                self.other.get_or_insert(other);
                None
            }
        }
    }

    /// `Ok` when every field was valid; otherwise the error naming each invalid field.
    pub fn finish(mut self) -> Result<()> {
        if let Some(other) = self.other {
            return Err(other);
        }
        match self.fields.len() {
            0 => Ok(()),
            1 => {
                let (field, message) = self.fields.remove(0);
                Err(Error::Validation { field, message })
            }
            _ => Err(Error::Invalid(self.fields)),
        }
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        // Every check-then-write reads before it writes; two requests racing past the same
        // check (two clicks of Save, two tabs) meet the unique index instead. The second
        // person is told what happened, never a 500.
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) = e.sql_err() {
            tracing::info!(%detail, "a unique index refused a write made at the same time as another");
            return Error::Conflict("Someone made the same change at the same time. Reload the page to see it.".into());
        }
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
