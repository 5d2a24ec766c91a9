use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::support::{assert_error, Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn a_profile_shows_following_relative_to_the_viewer(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    app.register("celeb").await;

    let anonymous = app.get("/api/profiles/celeb", None).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(anonymous.body["profile"]["following"], false);

    // A stray JSON body on the bodiless POST is ignored (API.md).
    let followed = app
        .post("/api/profiles/celeb/follow", Some(&jake), json!({}))
        .await;
    assert_eq!(followed.status, StatusCode::OK);
    assert_eq!(followed.body["profile"]["following"], true);
    assert_eq!(
        app.get("/api/profiles/celeb", Some(&jake)).await.body["profile"]["following"],
        true
    );
    assert_eq!(
        app.get("/api/profiles/celeb", None).await.body["profile"]["following"],
        false
    );

    let unfollowed = app.delete("/api/profiles/celeb/follow", Some(&jake)).await;
    assert_eq!(unfollowed.body["profile"]["following"], false);
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_profiles_are_404_and_following_needs_a_token(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    assert_error(
        &app.get("/api/profiles/nobody", None).await,
        StatusCode::NOT_FOUND,
        "profile",
        "not found",
    );
    assert_error(
        &app.post("/api/profiles/nobody/follow", Some(&jake), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "profile",
        "not found",
    );
    // 401 comes before 404.
    assert_error(
        &app.post("/api/profiles/nobody/follow", None, json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is missing",
    );
}
