//! Tokens and passwords.
//!
//! Tokens are HS256 JWTs carrying the user id (never the username, which can
//! change) and an expiry. Passwords are hashed with argon2id on the blocking
//! pool, at most a few at a time: each hash takes ~19 MiB and tens of
//! milliseconds of CPU, and must neither stall the async executor nor let a
//! burst of sign-ins exhaust memory.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::models::Password;

/// The id of a signed-in user, taken from a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

#[derive(Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string per RFC 7519.
    sub: String,
    iat: i64,
    exp: i64,
}

pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    token_ttl: Duration,
    hashing: Semaphore,
    /// Verified against when the email is unknown, so that a login takes as
    /// long for an unknown address as for a wrong password.
    dummy_hash: String,
}

impl Auth {
    pub fn new(secret: &[u8], token_ttl: Duration, concurrent_hashes: usize) -> Arc<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        let dummy_hash = hash(b"not-a-real-password").expect("argon2 hashes a constant");
        Arc::new(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            token_ttl,
            hashing: Semaphore::new(concurrent_hashes.max(1)),
            dummy_hash,
        })
    }

    /// How long an issued token stays valid.
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }

    /// A random secret for development, where none is configured.
    pub fn generate_secret() -> String {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn issue_token(&self, user: UserId) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.token_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: user.0.to_string(),
            iat: now,
            exp: now.saturating_add(ttl),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "cannot sign a token");
            AppError::Internal
        })
    }

    /// The user a token was issued to: 401 `is invalid` or `has expired` otherwise.
    pub fn verify_token(&self, token: &str) -> Result<UserId, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AppError::token_expired(),
                _ => AppError::token_invalid(),
            })?;
        data.claims
            .sub
            .parse()
            .map(UserId)
            .map_err(|_| AppError::token_invalid())
    }

    pub async fn hash_password(&self, password: Password) -> Result<String, AppError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| AppError::Unavailable)?;
        tokio::task::spawn_blocking(move || hash(password.as_str().as_bytes()))
            .await
            .map_err(|_| AppError::Internal)?
            .map_err(|e| {
                tracing::error!(error = %e, "cannot hash a password");
                AppError::Internal
            })
    }

    /// Whether `password` matches `stored`; with no stored hash, spends the
    /// same time and answers `false`.
    pub async fn verify_password(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| AppError::Unavailable)?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|_| AppError::Internal)?;
        Ok(known && matches)
    }
}

/// Argon2id with the crate's defaults (OWASP's minimum: 19 MiB, 2 passes).
fn hash(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password, &salt)?
        .to_string())
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

    fn auth(ttl_secs: u64) -> Arc<Auth> {
        Auth::new(
            b"test-secret-test-secret-test-secret",
            Duration::from_secs(ttl_secs),
            2,
        )
    }

    #[test]
    fn a_token_names_the_user_it_was_issued_to() {
        let auth = auth(60);
        let token = auth.issue_token(UserId(42)).unwrap();
        assert_eq!(auth.verify_token(&token).unwrap(), UserId(42));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let other = Auth::new(
            b"another-secret-another-secret-xx",
            Duration::from_secs(60),
            1,
        );
        let token = other.issue_token(UserId(1)).unwrap();
        assert_eq!(
            auth(60).verify_token(&token).unwrap_err(),
            AppError::token_invalid()
        );
    }

    #[test]
    fn an_expired_token_says_so() {
        let auth = auth(0);
        let token = auth.issue_token(UserId(1)).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            auth.verify_token(&token).unwrap_err(),
            AppError::token_expired()
        );
    }

    #[test]
    fn both_token_and_bearer_schemes_are_accepted() {
        assert_eq!(token_from_header(Some("Token abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(Some("Bearer abc")).unwrap(), Some("abc"));
        assert_eq!(token_from_header(None).unwrap(), None);
        assert!(token_from_header(Some("Basic abc")).is_err());
        assert!(token_from_header(Some("abc")).is_err());
    }

    #[tokio::test]
    async fn passwords_verify_against_their_hash_only() {
        let auth = auth(60);
        let hash = auth
            .hash_password(Password::parse(Some("correct horse")).unwrap())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(auth
            .verify_password("correct horse".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!auth
            .verify_password("wrong horse".into(), Some(hash))
            .await
            .unwrap());
        assert!(!auth.verify_password("anything".into(), None).await.unwrap());
    }
}
