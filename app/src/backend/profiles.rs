//! Profiles and the follow graph. Profiles are cached as everyone sees them;
//! `following` is looked up per request. Follows change nothing shared, only
//! what was rendered for the follower.

use std::sync::Arc;

use super::cache::SharedProfile;
use super::personal::Personal;
use super::tokens::UserId;
use super::Services;
use crate::error::AppError;
use crate::models::{Profile, Username};

struct ProfileRow {
    id: i64,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl ProfileRow {
    fn into_shared(self) -> SharedProfile {
        SharedProfile {
            id: self.id,
            profile: Profile::public(self.username, self.bio, self.image),
        }
    }
}

/// Spec: `GET /api/profiles/:username`; `following` is relative to the viewer.
#[tracing::instrument(skip(state, viewer))]
pub async fn get(
    state: &Services,
    viewer: Option<UserId>,
    username: &str,
) -> Result<Profile, AppError> {
    let key = Username::key_of(username);
    let shared = state
        .cache
        .profiles()
        .get_or_load(key.clone(), load(state, key))
        .await?;
    let personal = Personal::load(state, viewer, &[], &[shared.id]).await?;
    let mut profile = shared.profile.clone();
    profile.following = personal.follows(shared.id);
    Ok(profile)
}

async fn load(state: &Services, key: String) -> Result<Arc<SharedProfile>, AppError> {
    let row = sqlx::query_as!(
        ProfileRow,
        "select id, username, bio, image from users where username_key = $1",
        key,
    )
    .fetch_optional(state.reads()?)
    .await?
    .ok_or_else(|| AppError::not_found("profile"))?;
    Ok(Arc::new(row.into_shared()))
}

/// Spec: `POST /api/profiles/:username/follow`. Idempotent.
#[tracing::instrument(skip(state))]
pub async fn follow(
    state: &Services,
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
    .execute(state.db()?)
    .await?;
    state.committed([follower.wrote()]).await;
    get(state, Some(follower), username).await
}

/// Spec: `DELETE /api/profiles/:username/follow`. Idempotent.
#[tracing::instrument(skip(state))]
pub async fn unfollow(
    state: &Services,
    follower: UserId,
    username: &str,
) -> Result<Profile, AppError> {
    let target = id_of(state, username).await?;
    sqlx::query!(
        "delete from follows where follower_id = $1 and followed_id = $2",
        follower.0,
        target
    )
    .execute(state.db()?)
    .await?;
    state.committed([follower.wrote()]).await;
    get(state, Some(follower), username).await
}

async fn id_of(state: &Services, username: &str) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        "select id from users where username_key = $1",
        Username::key_of(username)
    )
    .fetch_optional(state.db()?)
    .await?
    .ok_or_else(|| AppError::not_found("profile"))
}
