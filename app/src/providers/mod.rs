//! Context the whole component tree reads, provided once by `App`.

mod session;
mod writes;

pub use session::{AuthState, Session};
pub use writes::Writes;
