//! Password hashing with argon2id on the blocking pool, a few at a time:
//! each hash takes ~19 MiB and tens of milliseconds of a core, so hashes
//! must neither stall the async executor, nor take every core, nor pile up
//! in memory when sign-ins come faster than they can be served.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;
use crate::models::Password;

pub struct Passwords {
    /// One permit per hash that may run. The permit travels into the
    /// blocking job and is released when the hash is done, not when the
    /// request is: a client that disconnects cannot leave a hash running
    /// uncounted.
    permits: Arc<Semaphore>,
    /// How long a request waits for a permit before it is answered 503.
    wait: Duration,
    /// Verified against when the email is unknown, so that a login takes as
    /// long for an unknown address as for a wrong password.
    dummy_hash: String,
}

impl Passwords {
    /// At most `concurrent` hashes run at once; a request waits at most `wait` for its turn.
    pub fn new(concurrent: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
            wait,
            dummy_hash: hash(b"not-a-real-password").expect("argon2 hashes a constant"),
        }
    }

    /// One hash per core but one, so that the others keep serving pages.
    pub fn default_concurrency() -> usize {
        std::thread::available_parallelism()
            .map_or(1, |cores| cores.get().saturating_sub(1))
            .max(1)
    }

    /// Hashes that could start now, for tests and metrics.
    pub fn idle(&self) -> usize {
        self.permits.available_permits()
    }

    pub async fn hash(&self, password: Password) -> Result<String, AppError> {
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash(password.as_str().as_bytes())
        })
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
        let permit = self.permit().await?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matches = tokio::task::spawn_blocking(move || {
            let _permit = permit;
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

    /// A turn to hash, or 503 (with `Retry-After`) after the bounded wait.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, AppError> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(AppError::Unavailable),
            Err(_elapsed) => {
                tracing::warn!("password hashing is saturated; shedding a request");
                Err(AppError::Unavailable)
            }
        }
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

    fn password(text: &str) -> Password {
        Password::parse(Some(text)).unwrap()
    }

    #[tokio::test]
    async fn passwords_verify_against_their_hash_only() {
        let passwords = Passwords::new(2, Duration::from_secs(5));
        let hash = passwords.hash(password("correct horse")).await.unwrap();
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

    #[tokio::test]
    async fn an_abandoned_hash_keeps_its_turn_until_it_is_done() {
        let passwords = Arc::new(Passwords::new(1, Duration::ZERO));
        let request = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.hash(password("correct horse")).await }
        });
        while passwords.idle() == 1 {
            tokio::task::yield_now().await;
        }
        // The client goes away: its handler is dropped mid-hash.
        request.abort();
        let _ = request.await;
        assert_eq!(passwords.idle(), 0, "the hash still runs and still counts");
        // Another request finds no turn and is told to come back, at once.
        let shed = passwords.hash(password("another one")).await;
        assert_eq!(shed.unwrap_err(), AppError::Unavailable);
    }

    #[test]
    fn hashing_leaves_a_core_free() {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert_eq!(
            Passwords::default_concurrency(),
            cores.saturating_sub(1).max(1)
        );
    }
}
