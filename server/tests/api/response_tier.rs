//! The response tier: what it stores is the same for every visitor, and a
//! change drops only the responses that show what it touched.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode, Version};
use http_body_util::BodyExt;
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{
    database_url, unannounced, Conduit, Remote, ScratchDir, ServerProcess, TestApp,
};

#[sqlx::test(migrations = "../migrations")]
async fn a_shared_answer_is_rendered_from_its_cache_key_alone(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    app.publish(&token, "Keyed", &["cache"]).await;
    // A forged parameter, another spelling and a visitor's headers: none of
    // them reaches the render, and all of them share its one entry.
    let request = Request::get("/api/articles?t%61g=cache&limit=5&__err=forged&x=1")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "https://evil.example/")
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::LOCATION).is_none());
    let plain = app.get("/api/articles?limit=5&tag=cache", None).await;
    assert_eq!(plain.body["articlesCount"], 1, "{}", plain.body);
    let stats = app.tier_stats("responses").await;
    assert_eq!((stats.loads, stats.hits), (1, 1), "one entry for both");
}

#[sqlx::test(migrations = "../migrations")]
async fn server_functions_are_answered_for_their_caller_alone(db: PgPool) {
    let app = TestApp::new(db);
    let reply = app.get("/rpc/tags", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_array(), "{}", reply.body);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(app.tier_stats("responses").await.entries, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn static_files_are_served_as_each_client_asks_and_never_stored(db: PgPool) {
    let site = ScratchDir::new("static-site");
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(site.path().join("favicon.svg.br"), [0x0b, 0x02, 0x80]).unwrap();
    let root = site.path().to_str().unwrap().to_owned();
    let app = TestApp::with_site_root(db, &root);
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
async fn a_new_article_drops_the_lists_and_leaves_the_other_articles(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "First", &["rust"]).await;
    let article = format!("/article/{first}");
    for path in [article.as_str(), "/", "/tag/rust"] {
        let page = app.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }
    let before = app.tier_stats("responses").await;
    assert_eq!(before.entries, 3, "{before:?}");
    app.publish(&jake, "Second", &["rust"]).await;
    for path in ["/", "/tag/rust"] {
        let page = app.get(path, None).await;
        assert!(page.body.as_str().unwrap().contains("Second"), "{path}");
    }
    app.get(&article, None).await;
    // The two lists rendered again; the first article's page did not.
    assert_eq!(app.tier_stats("responses").await.loads, before.loads + 2);
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
    let app = TestApp::configured(
        db,
        &[
            "--cache-ttl-secs",
            "2",
            "--cache-tti-secs",
            "2",
            "--cache-stale-if-error-secs",
            "0",
        ],
    );
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
    unannounced(&db, "articles", "update articles set body = 'changed'").await;
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

/// A page requested as HTTP/2 sends it (an absolute URI, version 2), or as
/// a proxy does over HTTP/1.1: the same key, the same tags.
async fn absolute(app: &TestApp, path: &str) -> String {
    let request = Request::get(format!("http://conduit.example{path}"))
        .version(Version::HTTP_2)
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_asked_for_by_absolute_uri_is_dropped_by_the_changes_it_shows(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("writer").await;
    let slug = app.publish(&token, "Over HTTP/2", &[]).await;
    let page = format!("/article/{slug}");
    for _ in 0..2 {
        assert!(absolute(&app, &page).await.contains("Favorite Article (0)"));
    }
    let reader = app.register("reader").await;
    let favorited = app
        .post(
            &format!("/api/articles/{slug}/favorite"),
            Some(&reader),
            json!({}),
        )
        .await;
    assert_eq!(favorited.status, StatusCode::OK);
    assert!(absolute(&app, &page).await.contains("Favorite Article (1)"));
    let comment = json!({ "comment": { "body": "Seen over HTTP/2" } });
    let commented = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&reader),
            comment,
        )
        .await;
    assert_eq!(commented.status, StatusCode::CREATED);
    assert!(absolute(&app, &page).await.contains("Seen over HTTP/2"));

    // A list of favorites asked for with a percent-encoded key.
    let list = "/api/articles?fav%6Frited=reader";
    assert_eq!(app.get(list, None).await.body["articlesCount"], 1);
    let unfavorited = app
        .delete(&format!("/api/articles/{slug}/favorite"), Some(&reader))
        .await;
    assert_eq!(unfavorited.status, StatusCode::OK);
    assert_eq!(app.get(list, None).await.body["articlesCount"], 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_credential_that_does_not_verify_gets_the_shared_answer(db: PgPool) {
    let app = TestApp::new(db);
    let shared = app.get("/", None).await;
    let stored = app.tier_stats("responses").await;
    let send = |name: header::HeaderName, value: &'static str| {
        let request = Request::get("/")
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        app.router_for_tests().oneshot(request)
    };
    // A forged cookie: the anonymous page, and the cookie cleared.
    let forged = send(header::COOKIE, "conduit_session=not.a.token")
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::OK);
    assert_eq!(forged.headers()[header::ETAG], shared.headers[header::ETAG]);
    assert_eq!(forged.headers()[header::CACHE_CONTROL], "private, no-store");
    let cleared = forged.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("conduit_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    // Pages read no `Authorization` header: it changes nothing.
    let header_only = send(header::AUTHORIZATION, "Token not.a.token")
        .await
        .unwrap();
    assert_eq!(
        header_only.headers()[header::ETAG],
        shared.headers[header::ETAG]
    );
    assert!(header_only.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let after = app.tier_stats("responses").await;
    assert_eq!(after.loads, stored.loads, "nothing was rendered again");
    assert_eq!(after.hits, stored.hits + 2);
    // The API refuses a token it cannot verify, as the contract says.
    assert_eq!(
        app.get("/api/articles", Some("not.a.token")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn origins_and_unknown_parameters_make_no_new_entries(db: PgPool) {
    let app = TestApp::new(db);
    for i in 0..20 {
        let request = Request::get(format!("/api/tags?nonce={i}"))
            .header(header::ORIGIN, format!("https://site{i}.example"))
            .body(Body::empty())
            .unwrap();
        let response = app.router_for_tests().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
    }
    let stats = app.tier_stats("responses").await;
    assert_eq!((stats.loads, stats.hits), (1, 19));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_missing_asset_is_a_bare_404(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let request = Request::get("/pkg/conduit-0123456789abcdef.js")
        .header(header::COOKIE, format!("conduit_session={token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], b"Not Found", "no page, no session");
}
