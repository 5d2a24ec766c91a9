use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::models::SessionUser;

/// The signed-in user, or `None`. Private per visitor: never cached by a CDN.
#[server(prefix = "/rpc", endpoint = "current_user", input = GetUrl)]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    super::call(|state| async move {
        use crate::backend::users;
        use crate::web::cookie;
        // A cookie for a revoked session or a deleted account is as good as none.
        let caller = match cookie::signed_in(&state).await {
            Ok(caller) => caller,
            Err(AppError::Unauthorized { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        match users::current(&state, caller).await {
            Ok(user) => Ok(Some(user.into())),
            Err(AppError::Unauthorized { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    })
    .await
}

/// Sign in; on success the session cookie is set and the browser goes home
/// (or back to the page that sent it here: `redirect`, a path on this site).
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] redirect: String,
) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::users;
        use crate::models::LoginUser;
        use crate::web::cookie;
        cookie::require_same_origin(&state)?;
        let input = LoginUser {
            email: Some(email),
            password: Some(password),
        };
        let user = users::login(&state, input).await?;
        cookie::start(&state, &user.token);
        super::go(&crate::urls::after_sign_in(&redirect))
    })
    .await
}

/// Sign up, then sign in (and go back as [`login`] does).
#[server(prefix = "/rpc", endpoint = "register")]
pub async fn register(
    username: String,
    email: String,
    password: String,
    #[server(default)] redirect: String,
) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::users;
        use crate::models::RegisterUser;
        use crate::web::cookie;
        cookie::require_same_origin(&state)?;
        let input = RegisterUser {
            username: Some(username),
            email: Some(email),
            password: Some(password),
        };
        let user = users::register(&state, input).await?;
        cookie::start(&state, &user.token);
        super::go(&crate::urls::after_sign_in(&redirect))
    })
    .await
}

/// Sign out: the session ends (its token stops working everywhere), the
/// cookie is removed and the browser goes home.
#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::sign_out;
        use crate::web::cookie;
        cookie::require_same_origin(&state)?;
        match cookie::signed_in(&state).await {
            Ok(caller) => sign_out::sign_out(&state, caller).await?,
            // A cookie that no longer verifies has no session left to end.
            Err(AppError::Unauthorized { .. }) => {}
            Err(error) => return Err(error),
        }
        cookie::end(&state);
        super::go(crate::urls::HOME)
    })
    .await
}

/// Settings form: every field is sent; an empty new password keeps the old
/// one, and empty bio or image clear them.
#[server(prefix = "/rpc", endpoint = "update_settings")]
pub async fn update_settings(
    image: String,
    username: String,
    bio: String,
    email: String,
    password: String,
) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::users;
        use crate::models::UpdateUser;
        use crate::web::cookie;
        let caller = cookie::writer(&state).await?;
        let input = UpdateUser {
            image: Some(Some(image)),
            username: Some(Some(username)),
            bio: Some(Some(bio)),
            email: Some(Some(email)),
            password: (!password.is_empty()).then_some(Some(password)),
        };
        let token = caller.token.clone();
        let updated = users::update(&state, caller, input).await?;
        // A new password comes with a new token: the cookie carries it on.
        if updated.token != token {
            cookie::start(&state, &updated.token);
        }
        super::go(&crate::urls::profile(&updated.username))
    })
    .await
}

/// Sign out on every device: every session of the user ends, this one too.
#[server(prefix = "/rpc", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::sign_out;
        use crate::web::cookie;
        let caller = cookie::writer(&state).await?;
        sign_out::sign_out_everywhere(&state, caller).await?;
        cookie::end(&state);
        super::go(crate::urls::HOME)
    })
    .await
}
