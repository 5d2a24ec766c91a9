//! Rate limits per client address on the requests an attacker repeats:
//! signing in (password guessing), signing up (fake accounts) and writes
//! (spam). Limits per account are applied where the account is known
//! (`app::backend::identity`, `users::login`).

use std::sync::Arc;

use app::backend::limits::{Kind, RateLimits};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::client_ip::ClientIp;

/// What a request does, by method and path; reads are not limited here.
fn kind(method: &Method, path: &str) -> Option<Kind> {
    if method.is_safe() {
        return None;
    }
    match path {
        "/api/users/login" | "/rpc/login" => Some(Kind::SignIn),
        "/api/users" | "/rpc/register" => Some(Kind::SignUp),
        _ => Some(Kind::Write),
    }
}

pub async fn by_address(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let client = request.extensions().get::<ClientIp>().copied();
    if let (Some(kind), Some(ClientIp(address))) =
        (kind(request.method(), request.uri().path()), client)
    {
        if let Err(limited) = limits.from_address(kind, address) {
            tracing::info!(?kind, %address, "rate limited");
            return limited.into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_sorted_by_what_they_do() {
        assert_eq!(kind(&Method::POST, "/api/users/login"), Some(Kind::SignIn));
        assert_eq!(kind(&Method::POST, "/rpc/register"), Some(Kind::SignUp));
        assert_eq!(kind(&Method::PUT, "/api/user"), Some(Kind::Write));
        assert_eq!(kind(&Method::GET, "/api/articles"), None);
    }
}
