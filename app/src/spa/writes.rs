//! What the forms send, to the REST API (SPA.md, "Requests"): each form's
//! input (the same type the server-rendered build posts to a server
//! function) becomes its API request, and says where to go next.

use serde_json::{json, Value};

use super::api::{self, encode, Call};
use super::auth::{user_in, Auth};
use crate::error::AppError;
use crate::models::split_tags;
use crate::rpc::articles::{DeleteArticle, SaveArticle, SetFavorite};
use crate::rpc::comments::{AddComment, DeleteComment};
use crate::rpc::profiles::SetFollowing;
use crate::rpc::users::{Login, Logout, Register, SignOutEverywhere, UpdateSettings};
use crate::rpc::Done;
use crate::urls;

/// A form's input, sent to the API.
pub trait Submit: Clone + 'static {
    fn submit(self, auth: Auth) -> impl std::future::Future<Output = Result<Done, AppError>>;
}

/// Sends with the token (when signed in) and answers the reply's body.
async fn send(
    auth: Auth,
    method: &str,
    path: String,
    body: Option<Value>,
) -> Result<api::Answer, AppError> {
    let call = Call {
        body,
        token: auth.token(),
        ..Call::default()
    };
    api::send(method, &path, call).await
}

/// Signs in with the user in `answer`; 2xx without one is a failure the form shows.
fn sign_in_from(auth: Auth, answer: &api::Answer) -> Result<(), AppError> {
    let body: Value = answer.json()?;
    let token = body["user"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let user = user_in(&body, &token).ok_or(AppError::BadAnswer)?;
    auth.signed_in(user);
    Ok(())
}

impl Submit for Login {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let body = json!({ "user": { "email": self.email, "password": self.password } });
        let answer = send(auth, "POST", "/users/login".into(), Some(body)).await?;
        sign_in_from(auth, &answer)?;
        Ok(Done::go(&urls::after_sign_in(&self.redirect)))
    }
}

impl Submit for Register {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let user =
            json!({ "username": self.username, "email": self.email, "password": self.password });
        let answer = send(auth, "POST", "/users".into(), Some(json!({ "user": user }))).await?;
        sign_in_from(auth, &answer)?;
        Ok(Done::go(&urls::after_sign_in(&self.redirect)))
    }
}

impl Submit for Logout {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        auth.signed_out();
        Ok(Done::go(urls::HOME))
    }
}

impl Submit for SignOutEverywhere {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        send(auth, "DELETE", "/user/sessions".into(), None).await?;
        auth.signed_out();
        Ok(Done::go(urls::HOME))
    }
}

impl Submit for UpdateSettings {
    /// `password` only if typed (SPA.md); a new token in the reply replaces the old.
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let mut user = json!({
            "image": self.image, "username": self.username, "bio": self.bio, "email": self.email,
        });
        if !self.password.is_empty() {
            user["password"] = json!(self.password);
        }
        let answer = send(auth, "PUT", "/user".into(), Some(json!({ "user": user }))).await?;
        let body: Value = answer.json().unwrap_or(Value::Null);
        let token = auth.token().unwrap_or_default();
        let username = match user_in(&body, &token) {
            Some(user) => {
                let name = user.username.clone();
                auth.signed_in(user);
                name
            }
            None => self.username,
        };
        Ok(Done::go(&urls::profile(&username)))
    }
}

impl Submit for SaveArticle {
    /// Publishes (no slug) or saves; `tagList` is always sent. Then the
    /// article, at the slug in the reply.
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let article = json!({
            "title": self.title, "description": self.description, "body": self.body,
            "tagList": split_tags(&self.tags, &self.tag_input),
        });
        let (method, path) = if self.slug.is_empty() {
            ("POST", "/articles".to_owned())
        } else {
            ("PUT", format!("/articles/{}", encode(&self.slug)))
        };
        let answer = send(auth, method, path, Some(json!({ "article": article }))).await?;
        let body: Value = answer.json().unwrap_or(Value::Null);
        let slug = body["article"]["slug"]
            .as_str()
            .unwrap_or(&self.slug)
            .to_owned();
        Ok(if slug.is_empty() {
            Done::go(urls::HOME)
        } else {
            Done::go(&urls::article(&slug))
        })
    }
}

impl Submit for DeleteArticle {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        send(
            auth,
            "DELETE",
            format!("/articles/{}", encode(&self.slug)),
            None,
        )
        .await?;
        Ok(Done::go(urls::HOME))
    }
}

impl Submit for SetFavorite {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let path = format!("/articles/{}/favorite", encode(&self.slug));
        switch(auth, self.favorite, path).await
    }
}

impl Submit for SetFollowing {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let path = format!("/profiles/{}/follow", encode(&self.username));
        switch(auth, self.follow, path).await
    }
}

/// A reader's on/off switch in the API (favorite, follow): `POST` turns it
/// on, `DELETE` off. Signed-out readers are sent to sign in.
async fn switch(auth: Auth, on: bool, path: String) -> Result<Done, AppError> {
    if auth.token().is_none() {
        return Ok(Done::go(urls::LOGIN));
    }
    send(auth, if on { "POST" } else { "DELETE" }, path, None).await?;
    Ok(Done::stay())
}

impl Submit for AddComment {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let body = json!({ "comment": { "body": self.body } });
        send(
            auth,
            "POST",
            format!("/articles/{}/comments", encode(&self.slug)),
            Some(body),
        )
        .await?;
        Ok(Done::stay())
    }
}

impl Submit for DeleteComment {
    async fn submit(self, auth: Auth) -> Result<Done, AppError> {
        let path = format!("/articles/{}/comments/{}", encode(&self.slug), self.id);
        send(auth, "DELETE", path, None).await?;
        Ok(Done::stay())
    }
}
