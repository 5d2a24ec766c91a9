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

/// What a token grants: a user, in one session (a sign-in, with its random
/// id), as of one of the user's session epochs. Whether that epoch is still
/// current is for [`super::identity`] to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub user: UserId,
    pub session: String,
    pub epoch: i32,
}

impl Grant {
    /// A new session for `user`, as of `epoch`.
    pub fn new_session(user: UserId, epoch: i32) -> Self {
        Self {
            user,
            session: random_hex(16),
            epoch,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string per RFC 7519.
    sub: String,
    sid: String,
    /// The user's session epoch when the token was issued.
    ep: i32,
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

    pub fn issue(&self, grant: &Grant) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: grant.user.0.to_string(),
            sid: grant.session.clone(),
            ep: grant.epoch,
            iat: now,
            exp: now.saturating_add(ttl),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "cannot sign a token");
            AppError::Internal
        })
    }

    /// What a token grants and until when (Unix seconds), if this server
    /// signed it and it has not expired: 401 `is invalid` or `has expired`
    /// otherwise.
    pub fn decode(&self, token: &str) -> Result<(Grant, i64), AppError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AppError::token_expired(),
                _ => AppError::token_invalid(),
            })?
            .claims;
        let user = claims.sub.parse().map_err(|_| AppError::token_invalid())?;
        let grant = Grant {
            user: UserId(user),
            session: claims.sid,
            epoch: claims.ep,
        };
        Ok((grant, claims.exp))
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
    fn a_token_carries_what_it_grants() {
        let tokens = tokens(60);
        let grant = Grant::new_session(UserId(42), 3);
        let token = tokens.issue(&grant).unwrap();
        let (decoded, expires_at) = tokens.decode(&token).unwrap();
        assert_eq!(decoded, grant);
        let in_a_minute = chrono::Utc::now().timestamp() + 60;
        assert!((in_a_minute - 2..=in_a_minute).contains(&expires_at));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let other = Tokens::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        let token = other.issue(&Grant::new_session(UserId(1), 0)).unwrap();
        assert_eq!(
            tokens(60).decode(&token).unwrap_err(),
            AppError::token_invalid()
        );
    }

    #[test]
    fn an_expired_token_says_so() {
        let tokens = tokens(0);
        let token = tokens.issue(&Grant::new_session(UserId(1), 0)).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            tokens.decode(&token).unwrap_err(),
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
