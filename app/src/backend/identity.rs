//! Who is calling: the user a token names, once verified. The REST API
//! sends the token in the `Authorization` header, the web UI in its session
//! cookie ([`super::cookie`]); both end here.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::tokens::UserId;
use super::AppState;
use crate::error::AppError;

/// A caller whose token was verified.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: UserId,
    /// The token as sent, returned unchanged in `User` answers.
    pub token: String,
}

/// A caller who may be anonymous.
pub struct Viewer(pub Option<UserId>);

/// The signed-in caller `token` names: 401 `is invalid` or `has expired` otherwise.
pub fn signed_in(state: &AppState, token: String) -> Result<SignedIn, AppError> {
    let user = state.tokens.verify(&token)?;
    Ok(SignedIn { user, token })
}

/// The caller, who may be anonymous; a token that is sent must still be valid.
pub fn viewer(state: &AppState, token: Option<&str>) -> Result<Option<UserId>, AppError> {
    token.map(|token| state.tokens.verify(token)).transpose()
}

/// An API caller: 401 `token: is missing|is invalid|has expired` otherwise.
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts)?.ok_or_else(AppError::token_missing)?;
        signed_in(state, token.to_owned())
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        viewer(state, bearer(parts)?).map(Self)
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
