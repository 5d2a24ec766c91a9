use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::support::{assert_error, Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn comments_are_added_listed_and_deleted_by_their_author(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let path = format!("/api/articles/{slug}/comments");

    let added = app
        .post(
            &path,
            Some(&anna),
            json!({ "comment": { "body": "Thank you so much!" } }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let comment = &added.body["comment"];
    assert_eq!(comment["body"], "Thank you so much!");
    assert_eq!(comment["author"]["username"], "anna");
    let id = comment["id"].as_i64().unwrap();

    let listed = app.get(&path, None).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["comments"].as_array().unwrap().len(), 1);

    assert_error(
        &app.delete(&format!("{path}/{id}"), Some(&jake)).await,
        StatusCode::FORBIDDEN,
        "comment",
        "forbidden",
    );
    let deleted = app.delete(&format!("{path}/{id}"), Some(&anna)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_null());
    assert_eq!(app.get(&path, None).await.body["comments"], json!([]));
}

#[sqlx::test(migrations = "../migrations")]
async fn comment_errors_name_the_missing_thing(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    assert_error(
        &app.get("/api/articles/nope/comments", None).await,
        StatusCode::NOT_FOUND,
        "article",
        "not found",
    );
    assert_error(
        &app.delete("/api/articles/nope/comments/1", Some(&jake))
            .await,
        StatusCode::NOT_FOUND,
        "article",
        "not found",
    );
    for id in ["999999", "abc"] {
        assert_error(
            &app.delete(&format!("/api/articles/{slug}/comments/{id}"), Some(&jake))
                .await,
            StatusCode::NOT_FOUND,
            "comment",
            "not found",
        );
    }
    // 404 on the article comes before 422 on the body.
    assert_error(
        &app.post(
            "/api/articles/nope/comments",
            Some(&jake),
            json!({ "comment": { "body": "" } }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "article",
        "not found",
    );
    assert_error(
        &app.post(
            &format!("/api/articles/{slug}/comments"),
            Some(&jake),
            json!({ "comment": { "body": " " } }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "body",
        "can't be blank",
    );
    assert_error(
        &app.post(
            &format!("/api/articles/{slug}/comments"),
            None,
            json!({ "comment": { "body": "hi" } }),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is missing",
    );
}
