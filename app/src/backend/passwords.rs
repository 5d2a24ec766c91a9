//! Password hashing with argon2id on the blocking pool, at most a few at a
//! time: each hash takes ~19 MiB and tens of milliseconds of CPU, and must
//! neither stall the async executor nor let a burst of sign-ins exhaust memory.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::models::Password;

pub struct Passwords {
    hashing: Semaphore,
    /// Verified against when the email is unknown, so that a login takes as
    /// long for an unknown address as for a wrong password.
    dummy_hash: String,
}

impl Passwords {
    /// At most `concurrent` hashes run at once.
    pub fn new(concurrent: usize) -> Self {
        Self {
            hashing: Semaphore::new(concurrent.max(1)),
            dummy_hash: hash(b"not-a-real-password").expect("argon2 hashes a constant"),
        }
    }

    pub async fn hash(&self, password: Password) -> Result<String, AppError> {
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
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_against_their_hash_only() {
        let passwords = Passwords::new(2);
        let hash = passwords
            .hash(Password::parse(Some("correct horse")).unwrap())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(passwords
            .verify("correct horse".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords
            .verify("wrong horse".into(), Some(hash))
            .await
            .unwrap());
        assert!(!passwords.verify("anything".into(), None).await.unwrap());
    }
}
