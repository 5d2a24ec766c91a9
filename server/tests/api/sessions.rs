//! Sessions that can be ended: a new password signs out every other
//! session, "sign out everywhere" signs out all of them, and a deleted
//! account's token is refused like any invalid one.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{assert_error, Conduit, TestApp};

async fn sign_in(app: &TestApp, name: &str) -> String {
    let reply = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": format!("{name}@example.com"), "password": "password123" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["user"]["token"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_password_signs_out_every_other_session_and_keeps_the_callers(db: PgPool) {
    let app = TestApp::new(db);
    let laptop = app.register("jake").await;
    let stolen = sign_in(&app, "jake").await;
    let reply = app
        .put(
            "/api/user",
            Some(&laptop),
            json!({ "user": { "password": "a new password" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let renewed = reply.body["user"]["token"].as_str().unwrap().to_owned();
    assert_ne!(renewed, laptop);

    assert_error(
        &app.get("/api/user", Some(&stolen)).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is invalid",
    );
    // API.md: the token used for the change keeps working; so does the new one.
    assert_eq!(
        app.get("/api/user", Some(&laptop)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/user", Some(&renewed)).await.status,
        StatusCode::OK
    );
    // Editing the bio is not a password change: nothing is revoked.
    let phone = sign_in_with(&app, "a new password").await;
    app.put(
        "/api/user",
        Some(&phone),
        json!({ "user": { "bio": "hi" } }),
    )
    .await;
    assert_eq!(
        app.get("/api/user", Some(&renewed)).await.status,
        StatusCode::OK
    );
}

async fn sign_in_with(app: &TestApp, password: &str) -> String {
    let reply = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": "jake@example.com", "password": password } }),
        )
        .await;
    reply.body["user"]["token"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_everywhere_ends_every_session(db: PgPool) {
    let app = TestApp::new(db);
    let first = app.register("jake").await;
    let second = sign_in(&app, "jake").await;
    let reply = app.delete("/api/user/sessions", Some(&first)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    for token in [&first, &second] {
        assert_eq!(
            app.get("/api/user", Some(token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.get("/api/user", Some(&sign_in(&app, "jake").await))
            .await
            .status,
        StatusCode::OK,
        "signing in again works"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revoked_session_is_refused_while_the_database_is_unavailable(db: PgPool) {
    let app = TestApp::new(db);
    let stolen = app.register("jake").await;
    // Verified once: the user's sessions are in the cache.
    assert_eq!(
        app.get("/api/user", Some(&stolen)).await.status,
        StatusCode::OK
    );
    let reply = app.delete("/api/user/sessions", Some(&stolen)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    // While the database cannot be reached, cached entries may stand in for
    // failed loads; what a revocation changed must not be among them.
    app.state().db.health().set(false);
    let verified = app::backend::identity::signed_in(app.state(), stolen).await;
    app.state().db.health().set(true);
    assert!(verified.is_err(), "a revoked session was accepted");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deleted_accounts_token_is_401_for_reads_and_writes(db: PgPool) {
    let app = TestApp::new(db.clone());
    let ghost = app.register("ghost").await;
    sqlx::query("delete from users where username = 'ghost'")
        .execute(&db)
        .await
        .unwrap();
    let write = app
        .post(
            "/api/articles",
            Some(&ghost),
            json!({ "article": { "title": "t", "description": "d", "body": "b" } }),
        )
        .await;
    assert_error(&write, StatusCode::UNAUTHORIZED, "token", "is invalid");
    let follow = app
        .post("/api/profiles/anyone/follow", Some(&ghost), json!({}))
        .await;
    assert_eq!(follow.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_password_from_the_settings_form_renews_the_session_cookie(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let body = "image=&username=jake&bio=&email=jake%40example.com&password=another+password";
    let request = Request::post("/rpc/update_settings")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("conduit_session={token}"))
        .body(Body::from(body))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    let renewed = cookie
        .strip_prefix("conduit_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    assert_ne!(renewed, token);
    assert_eq!(
        app.get("/api/user", Some(renewed)).await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_ends_that_session_and_no_other(db: PgPool) {
    let app = TestApp::new(db);
    let first = app.register("jake").await;
    let second = sign_in(&app, "jake").await;
    assert_eq!(
        app.get("/api/user", Some(&first)).await.status,
        StatusCode::OK
    );
    let signed_out = app.delete("/api/user/session", Some(&first)).await;
    assert_eq!(signed_out.status, StatusCode::NO_CONTENT);
    assert_error(
        &app.get("/api/user", Some(&first)).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is invalid",
    );
    assert_eq!(
        app.get("/api/user", Some(&second)).await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sign_out_button_ends_the_cookies_session(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let request = Request::post("/settings")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("conduit_session={token}"))
        .body(Body::from("_action=%2Frpc%2Flogout"))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/");
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    // A copy of the cookie taken before is worth nothing now.
    assert_eq!(
        app.get("/api/user", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn past_its_bound_a_sign_out_ends_every_session(db: PgPool) {
    let app = TestApp::new(db);
    let kept = app.register("jake").await;
    let max = app::backend::sign_out::MAX_SIGNED_OUT;
    for _ in 0..max {
        let token = sign_in(&app, "jake").await;
        assert_eq!(
            app.delete("/api/user/session", Some(&token)).await.status,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        app.get("/api/user", Some(&kept)).await.status,
        StatusCode::OK
    );
    let one_more = sign_in(&app, "jake").await;
    assert_eq!(
        app.delete("/api/user/session", Some(&one_more))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/user", Some(&kept)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/user", Some(&sign_in(&app, "jake").await))
            .await
            .status,
        StatusCode::OK
    );
}
