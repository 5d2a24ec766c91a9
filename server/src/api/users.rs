//! Spec: "Authentication", "Registration", "Get Current User", "Update User".

use app::backend::identity::SignedIn;
use app::backend::{users, AppState};
use app::error::AppError;
use app::models::{LoginUser, RegisterUser, UpdateUser};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::enveloped;
use super::extract::Body;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", post(register))
        .route("/users/login", post(login))
        .route("/user", get(current).put(update))
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
