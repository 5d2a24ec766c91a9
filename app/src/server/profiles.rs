//! Profiles and the follow graph. Profiles are cached as everyone sees them;
//! `following` is looked up per request. Follows change nothing shared.

use std::sync::Arc;

use super::auth::UserId;
use super::cache::Weigh;
use super::AppState;
use crate::error::AppError;
use crate::models::Profile;

/// A profile with `following` left false, and the user's id.
#[derive(Clone, Debug)]
pub struct SharedProfile {
    pub id: i64,
    pub profile: Profile,
}

impl Weigh for SharedProfile {
    fn weigh(&self) -> usize {
        self.profile.weigh()
    }
}

/// Also embedded as the author of shared articles and comments.
impl Weigh for Profile {
    fn weigh(&self) -> usize {
        let text = self.username.len()
            + self.bio.as_ref().map_or(0, String::len)
            + self.image.as_ref().map_or(0, String::len);
        // The struct itself and its string headers.
        text + 96
    }
}

/// Spec: `GET /api/profiles/:username`; `following` is relative to the viewer.
pub async fn get(
    state: &AppState,
    viewer: Option<UserId>,
    username: &str,
) -> Result<Profile, AppError> {
    // Usernames are unique regardless of case, so the key is lower-cased.
    let shared = state
        .cache
        .profiles()
        .get_or_load(username.to_lowercase(), load(state, username))
        .await?;
    let mut profile = shared.profile.clone();
    if let Some(viewer) = viewer {
        profile.following = sqlx::query_scalar!(
            r#"select exists(select 1 from follows
                             where follower_id = $1 and followed_id = $2) as "following!""#,
            viewer.0,
            shared.id,
        )
        .fetch_one(&state.db)
        .await?;
    }
    Ok(profile)
}

async fn load(state: &AppState, username: &str) -> Result<Arc<SharedProfile>, AppError> {
    let row = sqlx::query!(
        "select id, username, bio, image from users where lower(username) = lower($1)",
        username,
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(|| AppError::not_found("profile"))?;
    Ok(Arc::new(SharedProfile {
        id: row.id,
        profile: Profile {
            username: row.username,
            bio: row.bio,
            image: row.image,
            following: false,
        },
    }))
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
