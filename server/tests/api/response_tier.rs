//! The response tier: what it stores is the same for every visitor, and a
//! change drops only the responses that show what it touched.

use std::time::Duration;

use app::backend::cache::{Cache, Settings};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use server::config::{defaults, CacheConfig};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{database_url, Conduit, Remote, ScratchDir, ServerProcess, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn a_shared_answer_is_rendered_from_its_cache_key_alone(db: PgPool) {
    let app = TestApp::new(db);
    // A browser following a link to a GET server function sends `Accept:
    // text/html` and a `Referer`; rendered from those, the answer would be a
    // redirect to the Referer, and everyone coalesced with it would get it.
    let request = Request::get("/rpc/tags")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "https://evil.example/")
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::LOCATION).is_none());
    let plain = app.get("/rpc/tags", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.body.is_array(), "{}", plain.body);
}

#[sqlx::test(migrations = "../migrations")]
async fn static_files_are_served_as_each_client_asks_and_never_stored(db: PgPool) {
    let site = ScratchDir::new("static-site");
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(site.path().join("favicon.svg.br"), [0x0b, 0x02, 0x80]).unwrap();
    let root = site.path().to_str().unwrap().to_owned();
    let app = TestApp::configured(db, |state| state.leptos_options.site_root = root.into());
    let fetch = |encoding: &'static str| {
        let request = Request::get("/favicon.svg")
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .unwrap();
        app.router_for_tests().oneshot(request)
    };
    let compressed = fetch("br").await.unwrap();
    assert_eq!(compressed.headers()[header::CONTENT_ENCODING], "br");
    let plain = fetch("identity").await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let body = plain.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"<svg/>");
    assert_eq!(app.tier_stats("responses").await.entries, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bio_edit_drops_only_the_responses_that_show_its_author(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let jakes = format!("/article/{}", app.publish(&jake, "By Jake", &[]).await);
    let annas = format!("/article/{}", app.publish(&anna, "By Anna", &[]).await);
    for path in [&jakes, &annas, &"/api/profiles/anna".to_owned()] {
        app.get(path, None).await;
    }
    let before = app.tier_stats("responses").await;

    app.put(
        "/api/user",
        Some(&jake),
        json!({ "user": { "bio": "new bio" } }),
    )
    .await;
    for path in [&annas, &"/api/profiles/anna".to_owned()] {
        app.get(path, None).await;
    }
    let after = app.tier_stats("responses").await;
    assert_eq!(
        after.loads, before.loads,
        "Anna's responses are still stored"
    );
    app.get(&jakes, None).await;
    assert_eq!(
        app.tier_stats("responses").await.loads,
        before.loads + 1,
        "Jake's article page was rendered again"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_comment_drops_the_article_page_and_leaves_the_others(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "First", &[]).await;
    let second = app.publish(&jake, "Second", &[]).await;
    for slug in [&first, &second] {
        let page = app.get(&format!("/article/{slug}"), None).await;
        // Only a 200 is stored; anything else would make the counts below meaningless.
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    let stats = app.tier_stats("responses").await;
    assert_eq!(stats.entries, 2, "both pages stored: {stats:?}");
    let before = stats.loads;
    app.post(
        &format!("/api/articles/{first}/comments"),
        Some(&jake),
        json!({ "comment": { "body": "Hello there" } }),
    )
    .await;
    let page = app.get(&format!("/article/{first}"), None).await;
    assert!(page.body.as_str().unwrap().contains("Hello there"));
    app.get(&format!("/article/{second}"), None).await;
    assert_eq!(app.tier_stats("responses").await.loads, before + 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_favorite_drops_the_article_page_that_counts_it(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    let slug = app.publish(&jake, "Liked", &[]).await;
    let page = format!("/article/{slug}");
    let before = app.get(&page, None).await;
    assert!(
        before
            .body
            .as_str()
            .unwrap()
            .contains("Favorite Article (0)"),
        "{}",
        before.body
    );
    assert_eq!(app.tier_stats("responses").await.entries, 1);
    app.post(
        &format!("/api/articles/{slug}/favorite"),
        Some(&ann),
        json!({}),
    )
    .await;
    let after = app.get(&page, None).await;
    assert!(
        after
            .body
            .as_str()
            .unwrap()
            .contains("Favorite Article (1)"),
        "{}",
        after.body
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_rendered_again_after_it_expired_is_still_dropped_by_a_change(db: PgPool) {
    // Entries that live two seconds. A page requested just after its entry
    // expired, before the cache's housekeeping (every 300 ms) removed it, is
    // rendered again and replaces the expired entry in place, and the cache
    // then reports the expired one removed: that report must not take the
    // new render out of the index that changes are matched against.
    let settings = Settings {
        time_to_live: Duration::from_secs(2),
        time_to_idle: Duration::from_secs(2),
        stale_for: Duration::ZERO,
        ..defaults::<CacheConfig>().settings()
    };
    let app = TestApp::configured(db, |state| state.cache = Cache::new(settings));
    let jake = app.register("jake").await;
    let page = format!("/article/{}", app.publish(&jake, "Kept warm", &[]).await);
    app.get(&page, None).await;
    tokio::time::sleep(Duration::from_millis(1950)).await;
    // Housekeeping now, while the entry is still alive...
    app.tier_stats("responses").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ...so that it is still there, expired, when the page is rendered again.
    app.get(&page, None).await;
    app.tier_stats("responses").await;
    app.post(
        &format!("/api{}/comments", page.replace("/article/", "/articles/")),
        Some(&jake),
        json!({ "comment": { "body": "Seen at once" } }),
    )
    .await;
    let after = app.get(&page, None).await;
    assert!(after.body.as_str().unwrap().contains("Seen at once"));
}

#[sqlx::test(migrations = "../migrations")]
async fn garbage_on_the_invalidation_channel_flushes_nothing(db: PgPool) {
    let server = ServerProcess::start(&database_url(&db, "conduit-garbage").await, &[]);
    let remote = Remote::new(&server);
    let token = remote.register("writer").await;
    let slug = remote.publish(&token, "Kept", &["cache"]).await;
    let path = format!("/api/articles/{slug}");
    assert_eq!(
        remote.get(&path, None).await.body["article"]["body"],
        "first version"
    );
    // Changed behind the server's back: only a flush would show it.
    sqlx::query("update articles set body = 'changed' where slug = $1")
        .bind(&slug)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("select pg_notify('conduit_cache', 'not a message')")
        .execute(&db)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        remote.get(&path, None).await.body["article"]["body"],
        "first version"
    );
    assert!(
        server
            .log()
            .contains("ignored an unreadable cache invalidation"),
        "{}",
        server.log()
    );
}
