//! Portico's integration tests: the real axum app on port 0 against a fresh database per test
//! (SQLite, and PostgreSQL where configured), driven over HTTP like a browser. One test binary
//! for all of them: each binary links the whole app, so one link instead of many.

mod billing;
mod bulk;
mod client_profiles;
mod clients;
mod common;
mod customers;
mod customizations;
mod documents;
mod exports;
mod forms;
mod imports;
mod invitation_flow;
mod invoices;
mod jobs;
mod lifecycle;
mod links_and_codes;
mod outbox_delivery;
mod scale;
mod security_rules;
mod smtp_sink;
mod tasks;
mod tenancy_and_input;
mod trust;
mod updates;
