//! A project's Portal access section: who is invited, who joined, and the invite actions.

mod api;
mod picker;
mod view;

pub use api::*;
pub use view::*;
