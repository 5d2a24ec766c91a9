//! The in-process cache: coalesced loads, per-user bits kept out of shared
//! entries, invalidation by writes, and its counters.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use sqlx::{Connection, PgConnection, PgPool};
use tower::ServiceExt;

use crate::support::{Conduit, TestApp};

const CONCURRENT: usize = 20;

/// Sends `CONCURRENT` identical requests while the `articles` table is
/// locked, then counts the queries PostgreSQL holds waiting for the lock:
/// with coalescing, one load for all of them. The app's background work
/// is stopped first: a timeline job for the article just published would
/// wait on the lock too.
async fn queries_for_concurrent_misses(app: &TestApp, path: &str, token: Option<&str>) -> i64 {
    app.stop_background();
    // Own connections, outside the pool the requests compete for.
    let options = app.state().db.connect_options();
    let mut locker = PgConnection::connect_with(&options).await.unwrap();
    let mut observer = PgConnection::connect_with(&options).await.unwrap();
    let mut lock = locker.begin().await.unwrap();
    sqlx::query("lock table articles in access exclusive mode")
        .execute(&mut *lock)
        .await
        .unwrap();

    let requests = (0..CONCURRENT).map(|_| {
        let mut request = Request::get(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Token {token}"));
        }
        let request = request.body(Body::empty()).unwrap();
        let router = app.router_for_tests();
        tokio::spawn(async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            (
                status,
                response.into_body().collect().await.unwrap().to_bytes(),
            )
        })
    });
    let requests: Vec<_> = requests.collect();

    // Let every request reach the cache and any query reach the lock.
    let waiting_query = "select count(*) from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'";
    let mut waiting: i64 = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiting = sqlx::query_scalar(waiting_query)
            .fetch_one(&mut observer)
            .await
            .unwrap();
        if waiting > 0 {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let settled: i64 = sqlx::query_scalar(waiting_query)
        .fetch_one(&mut observer)
        .await
        .unwrap();
    assert!(waiting > 0, "no request reached the database");
    lock.rollback().await.unwrap();

    let mut bodies = Vec::new();
    for request in requests {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every reader got the same answer"
    );
    settled
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_misses_for_one_article_make_one_query(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Popular", &[]).await;
    // Anonymous readers wait on the response tier; signed-in ones are each
    // verified, then wait on their reader's entry or on the article's.
    let path = format!("/api/articles/{slug}");
    let anna = app.register("anna").await;
    assert_eq!(
        queries_for_concurrent_misses(&app, &path, Some(&jake)).await,
        1
    );
    let stats = app.state().cache.articles().stats().await;
    assert_eq!(stats.loads, 1, "{stats:?}");
    let readers = app.tier_stats("readers").await;
    assert_eq!(readers.hits, CONCURRENT as u64 - 1, "{readers:?}");
    // Another reader: their own entry, and the article from its tier.
    assert_eq!(app.get(&path, Some(&anna)).await.status, StatusCode::OK);
    let stats = app.state().cache.articles().stats().await;
    assert_eq!((stats.loads, stats.hits), (1, 1), "{stats:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_misses_for_one_anonymous_page_render_it_once(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    app.publish(&jake, "Popular", &["rust"]).await;
    let queries = queries_for_concurrent_misses(&app, "/", None).await;
    assert_eq!(queries, 1);
    assert_eq!(app.tier_stats("responses").await.loads, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn one_readers_favorites_and_follows_never_reach_another(db: PgPool) {
    let app = TestApp::new(db);
    let author = app.register("author").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    let slug = app.publish(&author, "Shared", &["rust"]).await;
    let article = format!("/api/articles/{slug}");
    app.post(&format!("{article}/favorite"), Some(&fan), json!({}))
        .await;
    app.post("/api/profiles/author/follow", Some(&fan), json!({}))
        .await;
    app.post(
        &format!("{article}/comments"),
        Some(&author),
        json!({ "comment": { "body": "thanks" } }),
    )
    .await;

    for _ in 0..2 {
        let fan_view = app.get(&article, Some(&fan)).await.body;
        assert_eq!(fan_view["article"]["favorited"], true);
        assert_eq!(fan_view["article"]["author"]["following"], true);
        for viewer in [Some(other.as_str()), None] {
            let view = app.get(&article, viewer).await.body;
            assert_eq!(view["article"]["favorited"], false);
            assert_eq!(view["article"]["author"]["following"], false);
            assert_eq!(view["article"]["favoritesCount"], 1);

            let list = app.get("/api/articles", viewer).await.body;
            assert_eq!(list["articles"][0]["favorited"], false);
            let profile = app.get("/api/profiles/author", viewer).await.body;
            assert_eq!(profile["profile"]["following"], false);
            let comments = app.get(&format!("{article}/comments"), viewer).await.body;
            assert_eq!(comments["comments"][0]["author"]["following"], false);
        }
        let list = app.get("/api/articles?tag=rust", Some(&fan)).await.body;
        assert_eq!(list["articles"][0]["favorited"], true);
        assert_eq!(list["articles"][0]["author"]["following"], true);
        let profile = app.get("/api/profiles/author", Some(&fan)).await.body;
        assert_eq!(profile["profile"]["following"], true);
        let comments = app
            .get(&format!("{article}/comments"), Some(&fan))
            .await
            .body;
        assert_eq!(comments["comments"][0]["author"]["following"], true);
    }
    let hits: u64 = app.state().cache.stats().await.iter().map(|t| t.hits).sum();
    assert!(hits > 0, "the second round was served from the cache");
}

#[sqlx::test(migrations = "../migrations")]
async fn writes_are_read_back_at_once_on_the_same_instance(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Before", &["old"]).await;
    let article = format!("/api/articles/{slug}");
    // Fill every tier.
    for path in [
        "/api/articles",
        "/api/articles?tag=old",
        "/api/tags",
        &article,
        &format!("{article}/comments"),
        "/api/profiles/jake",
    ] {
        app.get(path, None).await;
    }

    app.put(
        &article,
        Some(&jake),
        json!({ "article": { "body": "after", "tagList": ["new"] } }),
    )
    .await;
    app.post(
        &format!("{article}/comments"),
        Some(&jake),
        json!({ "comment": { "body": "first!" } }),
    )
    .await;
    app.put(
        "/api/user",
        Some(&jake),
        json!({ "user": { "bio": "now with a bio" } }),
    )
    .await;

    assert_eq!(
        app.get(&article, None).await.body["article"]["body"],
        "after"
    );
    assert_eq!(
        app.get("/api/tags", None).await.body["tags"],
        json!(["new"])
    );
    assert_eq!(
        app.get("/api/articles?tag=old", None).await.body["articlesCount"],
        0
    );
    let comments = app.get(&format!("{article}/comments"), None).await.body;
    assert_eq!(comments["comments"][0]["body"], "first!");
    assert_eq!(comments["comments"][0]["author"]["bio"], "now with a bio");
    let list = app.get("/api/articles", None).await.body;
    assert_eq!(list["articles"][0]["author"]["bio"], "now with a bio");
    assert_eq!(
        app.get("/api/profiles/jake", None).await.body["profile"]["bio"],
        "now with a bio"
    );

    app.delete(&article, Some(&jake)).await;
    assert_eq!(app.get(&article, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/articles", None).await.body["articlesCount"],
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn with_the_cache_off_every_read_goes_to_the_database(db: PgPool) {
    let app = TestApp::configured(db, &["--cache-enabled", "false"]);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Uncached", &[]).await;
    for _ in 0..3 {
        assert_eq!(
            app.get(&format!("/api/articles/{slug}"), None).await.status,
            StatusCode::OK
        );
    }
    let stats = app.state().cache.stats().await;
    assert!(
        stats.iter().all(|t| t.hits == 0 && t.entries == 0),
        "{stats:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_counters_are_exposed_for_prometheus(db: PgPool) {
    let app = TestApp::new(db);
    app.get("/api/tags", None).await;
    app.get("/api/tags", None).await;
    let reply = app.metrics().await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "private, no-store");
    let text = reply.body.as_str().unwrap();
    assert!(text.contains("# TYPE conduit_cache_hits counter"), "{text}");
    assert!(
        text.contains("conduit_cache_misses_total{tier=\"responses\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("conduit_cache_hits_total{tier=\"responses\"} 1\n"),
        "{text}"
    );
    // The complete list and, inside it, the sidebar's selection: one load each.
    assert!(
        text.contains("conduit_cache_misses_total{tier=\"tags\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("conduit_cache_evictions_total{tier=\"articles\"} 0\n"),
        "{text}"
    );
}
