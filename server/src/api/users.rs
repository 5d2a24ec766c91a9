//! Spec: "Authentication", "Registration", "Get Current User", "Update User".

use app::backend::identity::SignedIn;
use app::backend::{sign_out, users};
use app::error::AppError;
use app::models::{LoginUser, RegisterUser, UpdateUser};
use app::web::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;

use super::enveloped;
use super::extract::Body;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(register))
        .route("/users/login", post(login))
        .route("/user", get(current).put(update))
        .route("/user/session", delete(sign_out))
        .route("/user/sessions", delete(sign_out_everywhere))
}

/// `POST /api/users`
async fn register(State(state): State<AppState>, body: Body) -> Result<Response, AppError> {
    let input: RegisterUser = body.decode("user")?;
    let user = users::register(&state, input).await?;
    Ok(enveloped(StatusCode::CREATED, "user", user))
}

/// `POST /api/users/login`
async fn login(State(state): State<AppState>, body: Body) -> Result<Response, AppError> {
    let input: LoginUser = body.decode("user")?;
    let user = users::login(&state, input).await?;
    Ok(enveloped(StatusCode::OK, "user", user))
}

/// `GET /api/user`
async fn current(State(state): State<AppState>, caller: SignedIn) -> Result<Response, AppError> {
    let user = users::current(&state, caller).await?;
    Ok(enveloped(StatusCode::OK, "user", user))
}

/// `PUT /api/user`
async fn update(
    State(state): State<AppState>,
    caller: SignedIn,
    body: Body,
) -> Result<Response, AppError> {
    let input: UpdateUser = body.decode("user")?;
    let user = users::update(&state, caller, input).await?;
    Ok(enveloped(StatusCode::OK, "user", user))
}

/// `DELETE /api/user/session`: signs out; this token stops working, the
/// user's other sessions go on (docs/api.md). 204.
async fn sign_out(State(state): State<AppState>, caller: SignedIn) -> Result<Response, AppError> {
    sign_out::sign_out(&state, caller).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/user/sessions`: signs the user out everywhere; every token
/// issued so far stops working, this one too (docs/api.md). 204.
async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: SignedIn,
) -> Result<Response, AppError> {
    sign_out::sign_out_everywhere(&state, caller).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
