//! The one public error type of server functions: what the browser may know, nothing more.

use leptos::server_fn::{
    codec::PostcardEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We could not find that.")]
    NotFound,
    #[error("Please sign in.")]
    Unauthorized,
    #[error("You do not have access to this.")]
    Forbidden,
    #[error("{message}")]
    Validation { field: String, message: String },
    /// Several fields at once: each field's message (shown under each field).
    #[error("Some fields need your attention.")]
    Invalid(Vec<(String, String)>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// The message for a given form field, if this error is about it.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Validation { field, message } if field == name => Some(message.clone()),
            AppError::Invalid(fields) => fields.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone()),
            _ => None,
        }
    }
    /// A message for the whole form: anything that is not tied to one field.
    pub fn general(&self, fields: &[&str]) -> Option<String> {
        match self {
            AppError::Validation { field, .. } if fields.contains(&field.as_str()) => None,
            AppError::Invalid(many) if many.iter().all(|(f, _)| fields.contains(&f.as_str())) => None,
            other => Some(other.to_string()),
        }
    }
}

/// Errors travel in postcard like answers do (see `crate::loading`).
impl FromServerFnError for AppError {
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed arguments are the caller's fault, never ours.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                #[cfg(feature = "ssr")]
                if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(http::StatusCode::UNPROCESSABLE_ENTITY);
                }
                AppError::Validation { field: String::new(), message: format!("The form could not be read: {msg}") }
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<portico_core::Error> for AppError {
    fn from(e: portico_core::Error) -> Self {
        use http::StatusCode;
        use portico_core::Error as E;
        let (status, public) = match e {
            E::NotFound => (StatusCode::NOT_FOUND, AppError::NotFound),
            E::Unauthorized => (StatusCode::UNAUTHORIZED, AppError::Unauthorized),
            E::Forbidden => (StatusCode::FORBIDDEN, AppError::Forbidden),
            E::Validation { field, message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, AppError::Validation { field: field.into(), message })
            }
            E::Invalid(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Invalid(fields.into_iter().map(|(f, m)| (f.to_string(), m)).collect()),
            ),
            E::Conflict(m) => (StatusCode::CONFLICT, AppError::Conflict(m)),
            E::RateLimited(m) => (StatusCode::TOO_MANY_REQUESTS, AppError::RateLimited(m)),
            // The cause was logged where it happened; the browser learns nothing of it.
            E::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal),
        };
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            // A page that already decided to redirect (signed out, say) stays a redirect when
            // one of its loads fails afterwards: the browser must follow it, not see a 401.
            let redirecting =
                res.0.read().map(|parts| parts.status.is_some_and(|s| s.is_redirection())).unwrap_or(false);
            if !redirecting && !plain_form_post() {
                res.set_status(status);
            }
        }
        public
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A server function posted by a plain HTML form (the wasm not loaded, or no JavaScript):
/// server_fn answers it with a redirect back to the form's page carrying the error in the URL
/// (where the page's `ServerAction` picks it up and shows it under its field). An error status
/// set here would replace that redirect and leave the browser on a bare error body.
#[cfg(feature = "ssr")]
pub(crate) fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.method == http::Method::POST
            && parts.uri.path().starts_with("/api/")
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
}
