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

#[sqlx::test(migrations = "../migrations")]
async fn long_threads_come_in_windows_with_a_link_to_the_next(db: PgPool) {
    let app = TestApp::new(db.clone());
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Talked about", &[]).await;
    let author: i64 = sqlx::query_scalar("select id from users where username = 'jake'")
        .fetch_one(&db)
        .await
        .unwrap();
    sqlx::query(
        "insert into comments (article_id, author_id, body)
         select (select id from articles where slug = $1), $2, 'comment ' || i
         from generate_series(1, 120) i",
    )
    .bind(&slug)
    .bind(author)
    .execute(&db)
    .await
    .unwrap();

    let path = format!("/api/articles/{slug}/comments");
    let first = app.get(&path, None).await;
    let comments = first.body["comments"].as_array().unwrap();
    assert_eq!(
        comments.len(),
        100,
        "the contract's request gets the first window"
    );
    assert_eq!(comments[0]["body"], "comment 1", "oldest first");
    let next = first.headers[axum::http::header::LINK].to_str().unwrap();
    let after = comments[99]["id"].as_i64().unwrap();
    assert!(
        next.contains(&format!("after={after}")) && next.contains("rel=\"next\""),
        "{next}"
    );

    let rest = app.get(&format!("{path}?after={after}"), None).await;
    let rest = rest.body["comments"].as_array().unwrap().clone();
    assert_eq!(rest.len(), 20);
    assert_eq!(rest[19]["body"], "comment 120");
    let last = app.get(&format!("{path}?after={after}"), None).await;
    assert!(last.headers.get(axum::http::header::LINK).is_none());
    assert_error(
        &app.get(&format!("{path}?limit=ten"), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "limit",
        "must be a non-negative integer",
    );
}
