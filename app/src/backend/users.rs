//! Registration, login and the signed-in user's account.

use super::cache::Change;
use super::identity::SignedIn;
use super::tokens::{Grant, UserId};
use super::Services;
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
    session_epoch: i32,
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
    session_epoch: i32,
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
            session_epoch: self.session_epoch,
        };
        (account, self.password_hash)
    }
}

/// An account after an update, and the username it had before.
struct Updated {
    id: i64,
    username: String,
    email: String,
    bio: Option<String>,
    image: Option<String>,
    session_epoch: i32,
    old_username: String,
}

impl Updated {
    fn into_parts(self) -> (Account, String) {
        let account = Account {
            id: self.id,
            username: self.username,
            email: self.email,
            bio: self.bio,
            image: self.image,
            session_epoch: self.session_epoch,
        };
        (account, self.old_username)
    }
}

/// Spec: `POST /api/users`. 422 per blank or invalid field, 409 when the
/// username or email is taken (in any letter case).
#[tracing::instrument(skip_all)]
pub async fn register(state: &Services, input: RegisterUser) -> Result<User, AppError> {
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
        r#"insert into users (username, username_key, email, password_hash)
           values ($1, $2, $3, $4)
           returning id, username, email, bio, image, session_epoch"#,
        username.as_str(),
        username.key(),
        email.as_str(),
        password_hash,
    )
    .fetch_one(state.db()?)
    .await?;
    let grant = Grant::new_session(UserId(account.id), account.session_epoch);
    let token = state.tokens.issue(&grant)?;
    Ok(account.into_user(token))
}

/// Spec: `POST /api/users/login`. 401 `credentials: invalid` for an unknown
/// email or a wrong password alike.
#[tracing::instrument(skip_all)]
pub async fn login(state: &Services, input: LoginUser) -> Result<User, AppError> {
    let mut checks = Checks::default();
    let email = checks.field("email", non_blank(input.email, Email::MAX_CHARS));
    let password = checks.field("password", non_blank(input.password, Password::MAX_CHARS));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(checks.rejection());
    };
    let found = sqlx::query_as!(
        Credentials,
        r#"select id, username, email, bio, image, session_epoch, password_hash
           from users where lower(email) = lower($1)"#,
        email.trim(),
    )
    .fetch_optional(state.db()?)
    .await?
    .map(Credentials::into_parts);
    // Guessing one account's password from many addresses is held to its
    // own limit, keyed on the account the lookup found: every spelling of
    // its email that the lookup matches counts against the same account.
    if let Some((account, _)) = &found {
        state.limits.sign_in_as(UserId(account.id))?;
    }
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    if !state.passwords.verify(password, stored).await? {
        return Err(AppError::invalid_credentials());
    }
    let (account, _) = found.ok_or_else(AppError::invalid_credentials)?;
    let grant = Grant::new_session(UserId(account.id), account.session_epoch);
    let token = state.tokens.issue(&grant)?;
    Ok(account.into_user(token))
}

/// A sign-in field: present, not blank, and no longer than any stored
/// value can be (so that nobody can make the server hash a megabyte).
fn non_blank(value: Option<String>, max_chars: usize) -> Result<String, String> {
    let value = value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| "can't be blank".to_owned())?;
    if value.chars().count() > max_chars {
        return Err(format!("is too long (maximum is {max_chars} characters)"));
    }
    Ok(value)
}

/// Spec: `GET /api/user`. A token whose user no longer exists is invalid.
#[tracing::instrument(skip_all, fields(user = caller.user.0))]
pub async fn current(state: &Services, caller: SignedIn) -> Result<User, AppError> {
    let account = sqlx::query_as!(
        Account,
        "select id, username, email, bio, image, session_epoch from users where id = $1",
        caller.user.0
    )
    .fetch_optional(state.db()?)
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
///
/// A new password signs out every other session: the answer carries a new
/// token, and the caller's old one keeps working (API.md), while every other
/// token of the user stops.
#[tracing::instrument(skip_all, fields(user = caller.user.0))]
pub async fn update(
    state: &Services,
    caller: SignedIn,
    input: UpdateUser,
) -> Result<User, AppError> {
    let edit = AccountEdit::parse(input)?;
    let password_hash = match edit.password.clone() {
        Some(password) => Some(state.passwords.hash(password).await?),
        None => None,
    };
    let row = sqlx::query_as!(
        Updated,
        r#"update users u set
               username = coalesce($2, u.username),
               username_key = coalesce($3, u.username_key),
               email = coalesce($4, u.email),
               password_hash = coalesce($5, u.password_hash),
               bio = case when $6 then $7 else u.bio end,
               image = case when $8 then $9 else u.image end,
               session_epoch = u.session_epoch + case when $5::text is null then 0 else 1 end,
               kept_session = case when $5::text is null then u.kept_session else $10 end,
               updated_at = now()
           from (select username from users where id = $1) prior
           where u.id = $1
           returning u.id, u.username, u.email, u.bio, u.image, u.session_epoch,
                     prior.username as old_username"#,
        caller.user.0,
        edit.username.as_ref().map(Username::as_str),
        edit.username.as_ref().map(Username::key),
        edit.email.as_ref().map(Email::as_str),
        password_hash,
        edit.bio.is_some(),
        edit.bio.clone().flatten().map(Bio::into_inner),
        edit.image.is_some(),
        edit.image.clone().flatten().map(ImageUrl::into_inner),
        caller.session,
    )
    .fetch_optional(state.db()?)
    .await?
    .ok_or_else(AppError::token_invalid)?;
    let (account, old_username) = row.into_parts();
    let mut changes = vec![caller.user.wrote()];
    if edit.is_public() {
        let usernames = vec![old_username, account.username.clone()];
        changes.push(Change::Author {
            id: account.id,
            usernames,
        });
    }
    if edit.password.is_some() {
        changes.push(Change::Sessions {
            user_id: account.id,
        });
    }
    state.committed(changes).await;
    let token = if edit.password.is_some() {
        let grant = Grant {
            user: caller.user,
            session: caller.session,
            epoch: account.session_epoch,
        };
        state.tokens.issue(&grant)?
    } else {
        caller.token
    };
    Ok(account.into_user(token))
}
