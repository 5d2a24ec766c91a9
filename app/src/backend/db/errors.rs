//! What a database error means to the caller: a conflict on a field, bad
//! input, or an outage (503, and cached entries may stand in).

use crate::error::AppError;

/// Names of the unique constraints whose violation is the caller's fault,
/// mapped to the field they protect (see the users migration).
const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("users_username_key_key", "username"),
    ("users_email_lower_key", "email"),
];

/// A database that is down or too slow for the statement timeout is an
/// outage, not a bug: 503, and cached entries may stand in.
const QUERY_CANCELED: &str = "57014";

/// A text parameter PostgreSQL cannot hold (U+0000). Stored fields refuse
/// it when parsed; this covers lookups by a name, tag or email as typed.
const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";

/// SQLSTATEs of a database that is going away or not there yet: a
/// connection lost (class 08), an administrator's or a crash's shutdown
/// (57P01 to 57P03, the old writer of a failover), too many connections
/// (class 53), and a write that reached a node that is read-only (25006: a
/// writer's name still resolving to the demoted node). The request may
/// succeed again in a moment, so 503 with Retry-After, never 500.
fn is_outage(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || matches!(code, "57P01" | "57P02" | "57P03" | "25006")
}

/// Whether `error` says the connection failed (or its server went away)
/// rather than the statement: worth another connection. Not a pool's
/// timeout: that has waited long enough already.
pub(super) fn is_connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db_error) => db_error.code().as_deref().is_some_and(is_outage),
        _ => false,
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if let Some(db_error) = error.as_database_error() {
            if db_error.code().as_deref() == Some(QUERY_CANCELED) {
                tracing::warn!(error = %db_error, "database statement timed out");
                return AppError::Unavailable;
            }
            if db_error.code().as_deref().is_some_and(is_outage) {
                tracing::error!(error = %db_error, "database unavailable");
                return AppError::Unavailable;
            }
            if db_error.code().as_deref() == Some(CHARACTER_NOT_IN_REPERTOIRE) {
                return AppError::invalid("input", "must not contain NUL characters");
            }
            if db_error.is_unique_violation() {
                let constraint = db_error.constraint().unwrap_or_default();
                if let Some((_, field)) = UNIQUE_FIELDS.iter().find(|(name, _)| *name == constraint)
                {
                    return AppError::conflict(field);
                }
            }
        }
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_)
            | sqlx::Error::Tls(_) => {
                tracing::error!(error = %error, "database unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}
