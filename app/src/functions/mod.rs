//! Server functions, one module per area of the spec. Each calls the shared
//! service layer in `crate::server`; none talks to the REST API over HTTP.

/// Tags in use.
pub mod tags;
