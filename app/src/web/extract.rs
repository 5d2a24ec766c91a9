//! The caller, from a request: the REST API's `Authorization` header, read
//! into a verified [`SignedIn`] or an optional [`Viewer`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use crate::backend::identity::{signed_in, viewer, SignedIn, Viewer};
use crate::error::AppError;

/// An API caller: 401 `token: is missing|is invalid|has expired` otherwise.
/// A caller who writes (any method but `GET` and `HEAD`) is held to the
/// per-account write limit too.
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts)?.ok_or_else(AppError::token_missing)?;
        let caller = signed_in(state, token.to_owned()).await?;
        if !parts.method.is_safe() {
            state.limits.write_by(caller.user)?;
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        viewer(state, bearer(parts)?).await.map(Self)
    }
}

fn bearer(parts: &Parts) -> Result<Option<&str>, AppError> {
    let header = match parts.headers.get(AUTHORIZATION) {
        Some(value) => Some(value.to_str().map_err(|_| AppError::token_invalid())?),
        None => None,
    };
    token_from_header(header)
}

/// The token in an `Authorization` header value: `Token <jwt>` or `Bearer <jwt>`.
/// `Ok(None)` when there is no header; 401 `is invalid` for any other scheme.
pub fn token_from_header(value: Option<&str>) -> Result<Option<&str>, AppError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(AppError::token_invalid)?;
    let token = token.trim();
    if (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        && !token.is_empty()
    {
        Ok(Some(token))
    } else {
        Err(AppError::token_invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_token_and_bearer_schemes_are_accepted() {
        assert_eq!(token_from_header(Some("Token abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(Some("Bearer abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(None).unwrap(), None);
        assert!(token_from_header(Some("Basic abc")).is_err());
        assert!(token_from_header(Some("abc")).is_err());
    }
}
