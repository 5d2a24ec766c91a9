use axum::http::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::support::{assert_error, Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn registering_returns_201_with_a_token_and_null_bio_and_image(db: PgPool) {
    let app = TestApp::new(db);
    let reply = app
        .post("/api/users", None, json!({ "user": { "username": "jake", "email": "jake@jake.jake", "password": "jakejake" } }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let user = &reply.body["user"];
    assert_eq!(user["username"], "jake");
    assert_eq!(user["email"], "jake@jake.jake");
    assert!(user["bio"].is_null() && user["image"].is_null());
    assert!(user["token"].as_str().unwrap().len() > 20);
    assert_eq!(
        reply.headers["content-type"],
        "application/json; charset=utf-8"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn registering_with_blank_fields_lists_each_of_them(db: PgPool) {
    let app = TestApp::new(db);
    let reply = app
        .post(
            "/api/users",
            None,
            json!({ "user": { "username": " ", "email": "" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["username", "email", "password"] {
        assert_eq!(reply.body["errors"][field][0], "can't be blank", "{field}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_taken_username_or_email_is_409_whatever_the_case(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let same_name = app
        .post("/api/users", None, json!({ "user": { "username": "JAKE", "email": "other@example.com", "password": "password123" } }))
        .await;
    assert_error(
        &same_name,
        StatusCode::CONFLICT,
        "username",
        "has already been taken",
    );
    let same_email = app
        .post("/api/users", None, json!({ "user": { "username": "other", "email": "Jake@Example.com", "password": "password123" } }))
        .await;
    assert_error(
        &same_email,
        StatusCode::CONFLICT,
        "email",
        "has already been taken",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_json_and_wrong_types_are_422_with_the_error_body(db: PgPool) {
    let app = TestApp::new(db);
    let broken = app
        .send_raw(Method::POST, "/api/users", None, Some("{not json".into()))
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body["errors"]["body"].is_array());
    let wrong_type = app
        .post("/api/users", None, json!({ "user": { "username": 5 } }))
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_envelope = app
        .post("/api/users", None, json!({ "username": "x" }))
        .await;
    assert_eq!(no_envelope.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_envelope.body["errors"]["user"].is_array());
}

#[sqlx::test(migrations = "../migrations")]
async fn logging_in_returns_the_user_and_wrong_credentials_are_401(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let ok = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": "JAKE@example.com", "password": "password123" } }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["user"]["username"], "jake");
    let wrong = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": "jake@example.com", "password": "nope-nope" } }),
        )
        .await;
    assert_error(&wrong, StatusCode::UNAUTHORIZED, "credentials", "invalid");
    let unknown = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": "nobody@example.com", "password": "password123" } }),
        )
        .await;
    assert_error(&unknown, StatusCode::UNAUTHORIZED, "credentials", "invalid");
    let blank = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": "", "password": "" } }),
        )
        .await;
    assert_error(
        &blank,
        StatusCode::UNPROCESSABLE_ENTITY,
        "email",
        "can't be blank",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_current_user_needs_a_valid_token(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    assert_error(
        &app.get("/api/user", None).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is missing",
    );
    assert_error(
        &app.get("/api/user", Some("garbage")).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is invalid",
    );
    let me = app.get("/api/user", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["username"], "jake");
    assert_eq!(me.body["user"]["token"], token.as_str());
}

#[sqlx::test(migrations = "../migrations")]
async fn bearer_tokens_are_accepted_too(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let request = axum::http::Request::get("/api/user")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = tower::ServiceExt::oneshot(server_router(&app), request)
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
}

fn server_router(app: &TestApp) -> axum::Router {
    app.router_for_tests()
}

#[sqlx::test(migrations = "../migrations")]
async fn updating_follows_the_tri_state_rules(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let set = app
        .put("/api/user", Some(&token), json!({ "user": { "bio": "I work at statefarm", "image": "https://example.com/a.png" } }))
        .await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(set.body["user"]["bio"], "I work at statefarm");

    // Absent keeps.
    let kept = app
        .put(
            "/api/user",
            Some(&token),
            json!({ "user": { "username": "jacob" } }),
        )
        .await;
    assert_eq!(kept.body["user"]["bio"], "I work at statefarm");
    assert_eq!(kept.body["user"]["username"], "jacob");

    // null and "" clear bio and image.
    let cleared = app
        .put(
            "/api/user",
            Some(&token),
            json!({ "user": { "bio": null, "image": "" } }),
        )
        .await;
    assert!(cleared.body["user"]["bio"].is_null() && cleared.body["user"]["image"].is_null());

    // null and "" are rejected for email, username, password.
    for body in [
        json!({ "email": null }),
        json!({ "username": "" }),
        json!({ "password": null }),
        json!({ "password": "short" }),
    ] {
        let reply = app
            .put("/api/user", Some(&token), json!({ "user": body }))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn passwords_of_8_and_64_characters_work_and_the_old_token_survives(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    for password in ["p".repeat(8), "p".repeat(64)] {
        let reply = app
            .put(
                "/api/user",
                Some(&token),
                json!({ "user": { "password": password } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let login = app
            .post(
                "/api/users/login",
                None,
                json!({ "user": { "email": "jake@example.com", "password": password } }),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK);
    }
    let renamed = app
        .put(
            "/api/user",
            Some(&token),
            json!({ "user": { "username": "jacob", "email": "jacob@example.com" } }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/user", Some(&token)).await.body["user"]["username"],
        "jacob"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn names_that_differ_only_by_case_or_unicode_form_are_one_name(db: PgPool) {
    let app = TestApp::new(db);
    let register = |name: &'static str, email: &'static str| {
        app.post(
            "/api/users",
            None,
            json!({ "user": { "username": name, "email": email, "password": "password123" } }),
        )
    };
    assert_eq!(
        register("ΟΔΟΣ", "a@example.com").await.status,
        StatusCode::CREATED
    );
    assert_error(
        &register("οδος", "b@example.com").await,
        StatusCode::CONFLICT,
        "username",
        "has already been taken",
    );
    // Full-width letters are their plain forms.
    assert_eq!(
        register("jake", "c@example.com").await.status,
        StatusCode::CREATED
    );
    assert_error(
        &register("ＪＡＫＥ", "d@example.com").await,
        StatusCode::CONFLICT,
        "username",
        "has already been taken",
    );
    let profile = app
        .get("/api/profiles/%CE%BF%CE%B4%CE%BF%CF%82", None)
        .await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["profile"]["username"], "ΟΔΟΣ");
}

#[sqlx::test(migrations = "../migrations")]
async fn names_that_no_link_can_reach_are_refused(db: PgPool) {
    let app = TestApp::new(db);
    // `/profile/..` is `/` to a browser: such a profile could never be shown.
    for name in [".", "..", "．．"] {
        let user = json!({ "user": {
            "username": name, "email": "dots@example.com", "password": "password123",
        }});
        let reply = app.post("/api/users", None, user).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            reply.body
        );
        assert!(reply.body["errors"]["username"][0]
            .as_str()
            .unwrap()
            .contains("reserved"));
    }
    let token = app.register("jake").await;
    let article = json!({ "article": {
        "title": "Dots", "description": "d", "body": "b", "tagList": [".."],
    }});
    let reply = app.post("/api/articles", Some(&token), article).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
}
