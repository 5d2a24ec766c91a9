//! Profiles and the follow graph.

use super::auth::UserId;
use super::AppState;
use crate::error::AppError;
use crate::models::Profile;

fn viewer_id(viewer: Option<UserId>) -> Option<i64> {
    viewer.map(|v| v.0)
}

/// Spec: `GET /api/profiles/:username`; `following` is relative to the viewer.
pub async fn get(
    state: &AppState,
    viewer: Option<UserId>,
    username: &str,
) -> Result<Profile, AppError> {
    sqlx::query_as!(
        Profile,
        r#"select u.username, u.bio, u.image,
                  exists(select 1 from follows f
                         where f.follower_id = $2 and f.followed_id = u.id) as "following!"
           from users u where lower(u.username) = lower($1)"#,
        username,
        viewer_id(viewer),
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(|| AppError::not_found("profile"))
}

/// Spec: `POST /api/profiles/:username/follow`. Idempotent.
pub async fn follow(
    state: &AppState,
    follower: UserId,
    username: &str,
) -> Result<Profile, AppError> {
    let target = id_of(state, username).await?;
    if target == follower.0 {
        return Err(AppError::invalid("profile", "cannot follow yourself"));
    }
    sqlx::query!(
        "insert into follows (follower_id, followed_id) values ($1, $2) on conflict do nothing",
        follower.0,
        target
    )
    .execute(&state.db)
    .await?;
    get(state, Some(follower), username).await
}

/// Spec: `DELETE /api/profiles/:username/follow`. Idempotent.
pub async fn unfollow(
    state: &AppState,
    follower: UserId,
    username: &str,
) -> Result<Profile, AppError> {
    let target = id_of(state, username).await?;
    sqlx::query!(
        "delete from follows where follower_id = $1 and followed_id = $2",
        follower.0,
        target
    )
    .execute(&state.db)
    .await?;
    get(state, Some(follower), username).await
}

async fn id_of(state: &AppState, username: &str) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        "select id from users where lower(username) = lower($1)",
        username
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(|| AppError::not_found("profile"))
}
