//! Staff accounts: "Create your organization", sign in, sign out, who is signed in.

mod api;
mod view;

pub use api::*;
pub use view::*;
