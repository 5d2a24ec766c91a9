//! Session tokens: HS256 JWTs carrying the user id (never the username,
//! which can change) and an expiry.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

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

/// Issues and verifies tokens with one secret.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// How long an issued token stays valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(&self, user: UserId) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
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
    pub fn verify(&self, token: &str) -> Result<UserId, AppError> {
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
}

/// `bytes` random bytes from the operating system, hex-encoded: secrets and ids.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(ttl_secs: u64) -> Tokens {
        Tokens::new(
            b"test-secret-test-secret-test-secret",
            Duration::from_secs(ttl_secs),
        )
    }

    #[test]
    fn a_token_names_the_user_it_was_issued_to() {
        let tokens = tokens(60);
        let token = tokens.issue(UserId(42)).unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), UserId(42));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let other = Tokens::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        let token = other.issue(UserId(1)).unwrap();
        assert_eq!(
            tokens(60).verify(&token).unwrap_err(),
            AppError::token_invalid()
        );
    }

    #[test]
    fn an_expired_token_says_so() {
        let tokens = tokens(0);
        let token = tokens.issue(UserId(1)).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            tokens.verify(&token).unwrap_err(),
            AppError::token_expired()
        );
    }

    #[test]
    fn random_hex_has_two_digits_a_byte() {
        let id = random_hex(16);
        assert_eq!(id.len(), 32);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
