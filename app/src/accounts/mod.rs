//! Staff accounts: "Create your organization", sign in, sign out, who is signed in.

mod api;
mod reset;
mod view;

pub use api::*;
pub use reset::*;
pub use view::*;
