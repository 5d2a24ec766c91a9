//! Ending sessions: the caller's own (signing out), or every one of the
//! caller's user (signing out everywhere). A token stays valid until it
//! expires unless its session is ended here.

use super::cache::Change;
use super::db::Tx;
use super::identity::SignedIn;
use super::Services;
use crate::error::AppError;

/// Most signed-out sessions remembered per user. Each is remembered until
/// its token would have expired anyway; past this many, signing out ends
/// every session of the user instead (a new epoch), which bounds what each
/// token check reads.
pub const MAX_SIGNED_OUT: i64 = 50;

/// Ends the caller's session: its token stops working on every instance,
/// while the user's other sessions go on.
#[tracing::instrument(skip_all, fields(user = caller.user.0))]
pub async fn sign_out(state: &Services, caller: SignedIn) -> Result<(), AppError> {
    let expires_at = chrono::DateTime::from_timestamp(caller.expires_at, 0).unwrap_or_default();
    let mut tx = state.db()?.begin().await?;
    sqlx::query!(
        "delete from signed_out_sessions where user_id = $1 and expires_at <= now()",
        caller.user.0
    )
    .execute(&mut tx)
    .await?;
    let remembered = sqlx::query!(
        r#"insert into signed_out_sessions (user_id, session, expires_at)
           select $1, $2, $3
           where (select count(*) from signed_out_sessions where user_id = $1) < $4
           on conflict do nothing"#,
        caller.user.0,
        caller.session,
        expires_at,
        MAX_SIGNED_OUT,
    )
    .execute(&mut tx)
    .await?
    .rows_affected();
    if remembered == 0 {
        end_every_session(&mut tx, &caller).await?;
    }
    tx.commit().await?;
    ended(state, &caller).await;
    Ok(())
}

/// Signs the user out everywhere: every token issued so far stops working,
/// this one included.
#[tracing::instrument(skip_all, fields(user = caller.user.0))]
pub async fn sign_out_everywhere(state: &Services, caller: SignedIn) -> Result<(), AppError> {
    let mut tx = state.db()?.begin().await?;
    end_every_session(&mut tx, &caller).await?;
    tx.commit().await?;
    ended(state, &caller).await;
    Ok(())
}

/// This instance drops the caller's sessions and what was rendered for
/// them at once (the change feed tells every instance at the commit).
async fn ended(state: &Services, caller: &SignedIn) {
    let user_id = caller.user.0;
    state
        .committed([Change::Sessions { user_id }, caller.user.wrote()])
        .await;
}

/// A new epoch: no token issued before it is valid, so the list of
/// signed-out sessions has nothing left to say.
async fn end_every_session(tx: &mut Tx, caller: &SignedIn) -> Result<(), AppError> {
    sqlx::query!(
        r#"update users set session_epoch = session_epoch + 1, kept_session = null
           where id = $1"#,
        caller.user.0
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from signed_out_sessions where user_id = $1",
        caller.user.0
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
