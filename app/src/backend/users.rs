//! Registration, login and the signed-in user's account.

use super::cache::Change;
use super::identity::SignedIn;
use super::tokens::UserId;
use super::AppState;
use crate::error::AppError;
use crate::models::{
    Bio, Checks, Email, ImageUrl, LoginUser, Password, RegisterUser, UpdateUser, User, Username,
};

/// A user's own account, as the queries here return it.
struct Account {
    id: i64,
    username: String,
    email: String,
    bio: Option<String>,
    image: Option<String>,
}

impl Account {
    fn into_user(self, token: String) -> User {
        User {
            email: self.email,
            token,
            username: self.username,
            bio: self.bio,
            image: self.image,
        }
    }
}

/// An account and its password hash, for signing in.
struct Credentials {
    id: i64,
    username: String,
    email: String,
    bio: Option<String>,
    image: Option<String>,
    password_hash: String,
}

impl Credentials {
    fn into_parts(self) -> (Account, String) {
        let account = Account {
            id: self.id,
            username: self.username,
            email: self.email,
            bio: self.bio,
            image: self.image,
        };
        (account, self.password_hash)
    }
}

/// Spec: `POST /api/users`. 422 per blank or invalid field, 409 when the
/// username or email is taken (in any letter case).
#[tracing::instrument(skip_all)]
pub async fn register(state: &AppState, input: RegisterUser) -> Result<User, AppError> {
    let mut checks = Checks::default();
    let username = checks.field("username", Username::parse(input.username.as_deref()));
    let email = checks.field("email", Email::parse(input.email.as_deref()));
    let password = checks.field("password", Password::parse(input.password.as_deref()));
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(checks.rejection());
    };

    let password_hash = state.passwords.hash(password).await?;
    // The unique indexes decide, so that two racing sign-ups cannot both win;
    // their violations map to 409 on the right field.
    let account = sqlx::query_as!(
        Account,
        r#"insert into users (username, email, password_hash) values ($1, $2, $3)
           returning id, username, email, bio, image"#,
        username.as_str(),
        email.as_str(),
        password_hash,
    )
    .fetch_one(&state.db)
    .await?;
    let token = state.tokens.issue(UserId(account.id))?;
    Ok(account.into_user(token))
}

/// Spec: `POST /api/users/login`. 401 `credentials: invalid` for an unknown
/// email or a wrong password alike.
#[tracing::instrument(skip_all)]
pub async fn login(state: &AppState, input: LoginUser) -> Result<User, AppError> {
    let mut checks = Checks::default();
    let email = checks.field("email", non_blank(input.email));
    let password = checks.field("password", non_blank(input.password));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(checks.rejection());
    };

    let found = sqlx::query_as!(
        Credentials,
        r#"select id, username, email, bio, image, password_hash
           from users where lower(email) = lower($1)"#,
        email.trim(),
    )
    .fetch_optional(&state.db)
    .await?
    .map(Credentials::into_parts);
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    if !state.passwords.verify(password, stored).await? {
        return Err(AppError::invalid_credentials());
    }
    let (account, _) = found.ok_or_else(AppError::invalid_credentials)?;
    let token = state.tokens.issue(UserId(account.id))?;
    Ok(account.into_user(token))
}

fn non_blank(value: Option<String>) -> Result<String, String> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| "can't be blank".to_owned())
}

/// Spec: `GET /api/user`. A token whose user no longer exists is invalid.
#[tracing::instrument(skip_all, fields(user = caller.user.0))]
pub async fn current(state: &AppState, caller: SignedIn) -> Result<User, AppError> {
    let account = sqlx::query_as!(
        Account,
        "select id, username, email, bio, image from users where id = $1",
        caller.user.0
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(AppError::token_invalid)?;
    Ok(account.into_user(caller.token))
}

/// The fields an account update changes; `None` keeps the stored value,
/// `Some(None)` clears `bio` or `image`.
struct AccountEdit {
    username: Option<Username>,
    email: Option<Email>,
    password: Option<Password>,
    bio: Option<Option<Bio>>,
    image: Option<Option<ImageUrl>>,
}

impl AccountEdit {
    fn parse(input: UpdateUser) -> Result<Self, AppError> {
        let mut checks = Checks::default();
        let username = checks.present(
            "username",
            input.username.map(|v| Username::parse(v.as_deref())),
        );
        let email = checks.present("email", input.email.map(|v| Email::parse(v.as_deref())));
        let password = checks.present(
            "password",
            input.password.map(|v| Password::parse(v.as_deref())),
        );
        let bio = checks.present("bio", input.bio.map(|v| Bio::parse(v.as_deref())));
        let image = checks.present("image", input.image.map(|v| ImageUrl::parse(v.as_deref())));
        match (username, email, password, bio, image) {
            (Some(username), Some(email), Some(password), Some(bio), Some(image)) => Ok(Self {
                username,
                email,
                password,
                bio,
                image,
            }),
            _ => Err(checks.rejection()),
        }
    }

    /// Username, bio and image are shown on articles and comments; email and password are not.
    fn is_public(&self) -> bool {
        self.username.is_some() || self.bio.is_some() || self.image.is_some()
    }
}

/// Spec: `PUT /api/user`, with the tri-state rules of API.md: absent keeps,
/// `null`/`""` clears `bio` and `image`, and is 422 for the other fields.
#[tracing::instrument(skip_all, fields(user = caller.user.0))]
pub async fn update(
    state: &AppState,
    caller: SignedIn,
    input: UpdateUser,
) -> Result<User, AppError> {
    let edit = AccountEdit::parse(input)?;
    let password_hash = match edit.password.clone() {
        Some(password) => Some(state.passwords.hash(password).await?),
        None => None,
    };
    let account = sqlx::query_as!(
        Account,
        r#"update users set
               username = coalesce($2, username),
               email = coalesce($3, email),
               password_hash = coalesce($4, password_hash),
               bio = case when $5 then $6 else bio end,
               image = case when $7 then $8 else image end,
               updated_at = now()
           where id = $1
           returning id, username, email, bio, image"#,
        caller.user.0,
        edit.username.as_ref().map(Username::as_str),
        edit.email.as_ref().map(Email::as_str),
        password_hash,
        edit.bio.is_some(),
        edit.bio.clone().flatten().map(Bio::into_inner),
        edit.image.is_some(),
        edit.image.clone().flatten().map(ImageUrl::into_inner),
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(AppError::token_invalid)?;
    if edit.is_public() {
        state.cache.publish(&state.db, Change::Author).await;
    }
    Ok(account.into_user(caller.token))
}
