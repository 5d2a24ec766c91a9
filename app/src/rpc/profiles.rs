use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::models::Profile;

/// A profile as the visitor sees it.
#[server(prefix = "/rpc", endpoint = "profile", input = GetUrl)]
pub async fn get_profile(username: String) -> Result<Profile, AppError> {
    super::call(|state| async move {
        use crate::backend::profiles;
        use crate::web::cookie;
        profiles::get(&state, cookie::viewer(&state).await?, &username).await
    })
    .await
}

/// Follow (`follow = true`) or unfollow a user. Anonymous visitors are sent to sign in.
#[server(prefix = "/rpc", endpoint = "set_following")]
pub async fn set_following(username: String, follow: bool) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::profiles;
        use crate::web::cookie;
        let Some(user) = cookie::writer_or_sign_in(&state).await? else {
            return Ok(super::Done::go(crate::urls::LOGIN));
        };
        if follow {
            profiles::follow(&state, user, &username).await?;
        } else {
            profiles::unfollow(&state, user, &username).await?;
        }
        Ok(super::Done::stay())
    })
    .await
}
