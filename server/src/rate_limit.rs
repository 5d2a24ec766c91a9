//! Rate limits per client address on the requests an attacker repeats:
//! signing in (password guessing), signing up (fake accounts), writes
//! (spam) and page timing beacons (skewed figures). Limits per account are applied where the account is known
//! (`app::backend::identity`, `users::login`).

use std::sync::Arc;

use app::backend::limits::{Kind, RateLimits};
use app::rpc::users::{Login, Register};
use app::rpc::PREFIX;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::ServerFn;

use crate::client_ip::ClientIp;
use crate::metrics::{vitals, Refusal, Refusals};

/// What a request does, by method and path (the REST API's, or a server
/// function's own `PATH`); reads are not limited here, and neither are
/// posts to pages, which the form layer limits by the function they name.
pub fn kind(method: &Method, path: &str) -> Option<Kind> {
    if method.is_safe() {
        return None;
    }
    if path == "/api/users/login" || path == Login::PATH {
        Some(Kind::SignIn)
    } else if path == "/api/users" || path == Register::PATH {
        Some(Kind::SignUp)
    } else if path.strip_prefix("/api") == Some(vitals::PATH) {
        Some(Kind::Beacon)
    } else if path.starts_with("/api/") || path.starts_with(PREFIX) {
        Some(Kind::Write)
    } else {
        None
    }
}

pub async fn by_address(
    State((limits, refusals)): State<(Arc<RateLimits>, Refusals)>,
    request: Request,
    next: Next,
) -> Response {
    let client = request.extensions().get::<ClientIp>().copied();
    if let (Some(kind), Some(ClientIp(address))) =
        (kind(request.method(), request.uri().path()), client)
    {
        if let Err(limited) = limits.from_address(kind, address) {
            tracing::info!(?kind, %address, "rate limited");
            refusals.count(Refusal::RateLimited);
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
        assert_eq!(kind(&Method::POST, Login::PATH), Some(Kind::SignIn));
        assert_eq!(kind(&Method::POST, Register::PATH), Some(Kind::SignUp));
        assert_eq!(kind(&Method::PUT, "/api/user"), Some(Kind::Write));
        assert_eq!(
            kind(&Method::POST, app::rpc::articles::SaveArticle::PATH),
            Some(Kind::Write)
        );
        assert_eq!(kind(&Method::POST, "/api/vitals"), Some(Kind::Beacon));
        assert_eq!(kind(&Method::POST, "/api/vitals/"), Some(Kind::Write));
        assert_eq!(kind(&Method::GET, "/api/articles"), None);
        assert_eq!(kind(&Method::POST, "/login"), None, "the form layer's");
    }
}
