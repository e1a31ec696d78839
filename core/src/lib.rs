//! Portico's backend: data model, migrations and the services behind every screen.
//! Nothing here knows about Leptos; every service takes the acting principal and scopes
//! its queries by that principal's organization. Without the `backend` feature only
//! `model` is built: the wasm-safe types the UI and the services share.

#[cfg(feature = "backend")]
pub mod access;
pub mod model;
#[cfg(feature = "backend")]
pub mod policy;
#[cfg(feature = "backend")]
pub mod staff_passwords;

#[cfg(feature = "backend")]
pub mod accounts;
#[cfg(feature = "backend")]
pub mod audit;
#[cfg(feature = "backend")]
pub mod batch;
#[cfg(feature = "backend")]
pub mod bulk;
#[cfg(feature = "backend")]
pub mod client_passwords;
#[cfg(feature = "backend")]
pub mod clients;
#[cfg(feature = "backend")]
mod context;
#[cfg(feature = "backend")]
pub mod customers;
#[cfg(feature = "backend")]
pub mod dashboard;
#[cfg(feature = "backend")]
pub mod db;
#[cfg(feature = "backend")]
pub mod documents;
#[cfg(feature = "backend")]
pub mod domain;
#[cfg(feature = "backend")]
pub mod entities;
#[cfg(feature = "backend")]
pub mod error;
#[cfg(feature = "backend")]
pub mod exports;
#[cfg(feature = "backend")]
pub mod forms;
#[cfg(feature = "backend")]
pub mod imports;
#[cfg(feature = "backend")]
pub mod invitations;
#[cfg(feature = "backend")]
pub mod invoices;
#[cfg(feature = "backend")]
pub mod jobs;
#[cfg(feature = "backend")]
pub mod link_requests;
#[cfg(feature = "backend")]
pub mod magic_links;
#[cfg(feature = "backend")]
pub mod mail;
#[cfg(feature = "backend")]
pub mod mailbox;
#[cfg(feature = "backend")]
pub mod migration;
#[cfg(feature = "backend")]
pub mod names;
#[cfg(feature = "backend")]
pub mod notifications;
#[cfg(feature = "backend")]
pub mod outbox;
#[cfg(feature = "backend")]
pub mod paging;
#[cfg(feature = "backend")]
pub mod permissions;
#[cfg(feature = "backend")]
pub mod portal;
#[cfg(feature = "backend")]
pub mod projects;
#[cfg(feature = "backend")]
pub mod retention;
#[cfg(feature = "backend")]
pub mod secrets;
#[cfg(feature = "backend")]
pub mod sessions;
#[cfg(feature = "backend")]
pub mod settings;
#[cfg(feature = "backend")]
pub mod smtp;
#[cfg(feature = "backend")]
pub mod tasks;
#[cfg(feature = "backend")]
pub mod team;
#[cfg(feature = "backend")]
pub mod updates;
#[cfg(feature = "backend")]
pub mod verification;

#[cfg(feature = "backend")]
pub use context::{Portico, WriteTransaction, now};
#[cfg(feature = "backend")]
pub use error::{Error, Result};
