//! Who is calling: the user a token names, once verified. The REST API
//! sends the token in the `Authorization` header, the web UI in its session
//! cookie (`crate::web`, which reads both); both end here.

use std::sync::Arc;

use super::cache::{Change, UserSessions};
use super::tokens::{Grant, UserId};
use super::Services;
use crate::error::AppError;

/// A caller whose token was verified.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: UserId,
    /// The session the token belongs to (one per sign-in).
    pub session: String,
    /// The token as sent, returned unchanged in `User` answers.
    pub token: String,
    /// When the token expires (Unix seconds): a signed-out session need
    /// not be remembered past it.
    pub expires_at: i64,
}

impl UserId {
    /// What this user's write makes stale besides shared entries: what was
    /// rendered for them alone.
    pub fn wrote(self) -> Change {
        Change::Reader { user_id: self.0 }
    }
}

/// A caller who may be anonymous.
pub struct Viewer(pub Option<UserId>);

/// The signed-in caller `token` names: 401 `is invalid` or `has expired`
/// otherwise, and `is invalid` once its session was revoked or its user deleted.
pub async fn signed_in(state: &Services, token: String) -> Result<SignedIn, AppError> {
    let (grant, expires_at) = state.tokens.decode(&token)?;
    let sessions = state
        .cache
        .sessions()
        .get_or_load(grant.user.0, load_sessions(state, grant.user))
        .await?;
    if !admits(&sessions, &grant) {
        return Err(AppError::token_invalid());
    }
    // The request's span (the server's) carries who asked: their id, never
    // the token or an e-mail. Inside any other span this records nothing.
    tracing::Span::current().record("enduser.id", grant.user.0);
    Ok(SignedIn {
        user: grant.user,
        session: grant.session,
        token,
        expires_at,
    })
}

/// A token is valid in the user's current session epoch, and for the
/// session that last changed the password (see the sessions migration),
/// unless its session was signed out.
fn admits(sessions: &UserSessions, grant: &Grant) -> bool {
    let current =
        sessions.epoch == grant.epoch || sessions.kept_session.as_deref() == Some(&grant.session);
    current && !sessions.signed_out.contains(&grant.session)
}

async fn load_sessions(state: &Services, user: UserId) -> Result<Arc<UserSessions>, AppError> {
    sqlx::query_as!(
        UserSessions,
        r#"select u.session_epoch as epoch, u.kept_session,
                  array(select s.session from signed_out_sessions s
                        where s.user_id = u.id and s.expires_at > now()) as "signed_out!"
           from users u where u.id = $1"#,
        user.0
    )
    .fetch_optional(state.db()?)
    .await?
    .map(Arc::new)
    .ok_or_else(AppError::token_invalid)
}

/// The caller, who may be anonymous; a token that is sent must still be valid.
pub async fn viewer(state: &Services, token: Option<&str>) -> Result<Option<UserId>, AppError> {
    match token {
        Some(token) => Ok(Some(signed_in(state, token.to_owned()).await?.user)),
        None => Ok(None),
    }
}
