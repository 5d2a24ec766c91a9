//! Context the whole component tree reads, provided once by `App`.

mod outcomes;
mod visitor;
mod writes;

pub use outcomes::{page_error, NavigateAfterWrites};
pub use visitor::{ready, Visitor};
pub use writes::Writes;
