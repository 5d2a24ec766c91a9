//! Staying up under more load than an instance can serve: at most so many
//! requests at once, the rest answered 503 with `Retry-After` straight away
//! (a fast "no" frees the client to try another instance, where a queue
//! would only make every request slow), and no request running for ever.

use std::sync::Arc;
use std::time::Duration;

use app::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::metrics::{Refusal, Refusals};

/// The limits one instance holds itself to.
#[derive(Clone)]
pub struct Overload {
    in_flight: Arc<Semaphore>,
    timeout: Duration,
    refusals: Refusals,
}

impl Overload {
    pub fn new(max_in_flight: usize, timeout: Duration, refusals: Refusals) -> Self {
        Self {
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
            timeout,
            refusals,
        }
    }
}

/// Sheds what is over the concurrency limit and times out what runs too
/// long. Probes are routed around this layer, so a busy instance still
/// answers its health checks.
pub async fn guard(State(overload): State<Overload>, request: Request, next: Next) -> Response {
    let Ok(_permit) = overload.in_flight.clone().try_acquire_owned() else {
        tracing::debug!("at the concurrency limit; shedding a request");
        overload.refusals.count(Refusal::Shed);
        return AppError::Unavailable.into_response();
    };
    match tokio::time::timeout(overload.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout = ?overload.timeout, "a request ran out of time");
            overload.refusals.count(Refusal::TimedOut);
            AppError::Unavailable.into_response()
        }
    }
}
