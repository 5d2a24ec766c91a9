//! What the CDN and browsers are told they may keep.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{Conduit, TestApp};

fn cache_control(reply: &crate::support::Reply) -> &str {
    reply.headers[header::CACHE_CONTROL].to_str().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn anonymous_reads_are_public_for_a_short_while_with_an_etag(db: PgPool) {
    let app = TestApp::new(db);
    let reply = app.get("/api/articles", None).await;
    assert_eq!(
        cache_control(&reply),
        "public, max-age=0, s-maxage=10, stale-while-revalidate=60, stale-if-error=3600"
    );
    assert!(reply.headers.contains_key(header::ETAG));
    let vary = reply.headers[header::VARY].to_str().unwrap();
    assert!(
        vary.contains("Cookie") && vary.contains("Authorization"),
        "{vary}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_matching_etag_is_answered_304_without_a_body(db: PgPool) {
    let app = TestApp::new(db);
    let first = app.get("/api/tags", None).await;
    let etag = first.headers[header::ETAG].clone();
    let request = Request::get("/api/tags")
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()[header::ETAG], etag);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_etag_changes_when_the_content_does(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Versioned", &[]).await;
    let path = format!("/api/articles/{slug}");
    let before = app.get(&path, None).await.headers[header::ETAG].clone();
    app.put(
        &path,
        Some(&jake),
        json!({ "article": { "body": "changed" } }),
    )
    .await;
    let after = app.get(&path, None).await.headers[header::ETAG].clone();
    assert_ne!(before, after);
}

#[sqlx::test(migrations = "../migrations")]
async fn anything_personal_is_private(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    for path in ["/api/user", "/api/articles", "/api/articles/feed"] {
        let reply = app.get(path, Some(&jake)).await;
        assert_eq!(cache_control(&reply), "private, no-store", "{path}");
    }
    let with_cookie = Request::get("/")
        .header(header::COOKIE, "conduit_session=whatever")
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(with_cookie).await.unwrap();
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, no-store"
    );
    let current_user = app.get("/rpc/current_user", None).await;
    assert_eq!(cache_control(&current_user), "private, no-store");
}

#[sqlx::test(migrations = "../migrations")]
async fn writes_errors_and_probes_are_not_cached(db: PgPool) {
    let app = TestApp::new(db);
    let write = app.post("/api/users", None, json!({ "user": {} })).await;
    assert_eq!(cache_control(&write), "private, no-store");
    let missing = app.get("/api/articles/nope", None).await;
    assert_eq!(cache_control(&missing), "private, no-store");
    assert_eq!(
        cache_control(&app.get("/readyz", None).await),
        "private, no-store"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn anonymous_pages_are_public(db: PgPool) {
    let app = TestApp::new(db);
    let page = app.get("/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(cache_control(&page).starts_with("public"));
    assert!(page.headers.contains_key(header::ETAG));
}
