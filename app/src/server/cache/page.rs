//! A rendered anonymous response, as the page tier keeps it.

use axum::body::Bytes;
use axum::http::HeaderMap;

use super::tier::{Weigh, HEADER_BYTES};

/// The headers and body of a `200 OK` that any anonymous visitor may get.
#[derive(Clone, Debug)]
pub struct Page {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Weigh for Page {
    fn weigh(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| HEADER_BYTES + name.as_str().len() + value.len())
            .sum();
        headers + self.body.len()
    }
}
