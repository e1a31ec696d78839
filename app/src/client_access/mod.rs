//! How clients get in: invitation and sign-in link pages, the code step, the portal sign-in.

mod api;
mod view;

pub use api::*;
pub use view::*;
