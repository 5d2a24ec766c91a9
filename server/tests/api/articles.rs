use std::sync::Arc;

use app::backend::tags;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{assert_error, join_all, Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn creating_an_article_returns_201_with_sorted_unique_tags(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let reply = app
        .post(
            "/api/articles",
            Some(&jake),
            json!({ "article": { "title": "How to train your dragon", "description": "Ever wonder how?", "body": "You have to believe", "tagList": ["training", "dragons", "training"] } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let article = &reply.body["article"];
    assert_eq!(article["slug"], "how-to-train-your-dragon");
    assert_eq!(article["tagList"], json!(["dragons", "training"]));
    assert_eq!(article["body"], "You have to believe");
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 0);
    assert_eq!(article["author"]["username"], "jake");
    let created = article["createdAt"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
}

#[sqlx::test(migrations = "../migrations")]
async fn duplicate_titles_get_distinct_slugs(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "Same title", &[]).await;
    let second = app.publish(&jake, "Same title", &[]).await;
    assert_eq!(first, "same-title");
    assert_ne!(first, second);
    assert!(second.starts_with("same-title-"));
}

#[sqlx::test(migrations = "../migrations")]
async fn creating_needs_a_token_and_non_blank_fields(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    assert_error(
        &app.post("/api/articles", None, json!({ "article": {} }))
            .await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is missing",
    );
    let blank = app
        .post(
            "/api/articles",
            Some(&jake),
            json!({ "article": { "title": "" } }),
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["title", "description", "body"] {
        assert_eq!(blank.body["errors"][field][0], "can't be blank");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn lists_omit_the_body_and_count_every_match(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    for i in 0..5 {
        app.publish(&jake, &format!("Article {i}"), &["rust"]).await;
    }
    let page = app.get("/api/articles?limit=2&offset=1", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["articlesCount"], 5);
    let articles = page.body["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 2);
    assert!(articles.iter().all(|a| a.get("body").is_none()));
    // Newest first.
    assert_eq!(articles[0]["title"], "Article 3");
    assert_eq!(articles[1]["title"], "Article 2");
}

#[sqlx::test(migrations = "../migrations")]
async fn lists_filter_by_tag_author_and_favorited(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let dragons = app.publish(&jake, "Dragons", &["dragons"]).await;
    app.publish(&anna, "Cats", &["cats"]).await;
    app.post(
        &format!("/api/articles/{dragons}/favorite"),
        Some(&anna),
        json!({}),
    )
    .await;

    let by_tag = app.get("/api/articles?tag=dragons", None).await;
    assert_eq!(by_tag.body["articlesCount"], 1);
    assert_eq!(by_tag.body["articles"][0]["slug"], dragons.as_str());
    let by_author = app.get("/api/articles?author=ANNA", None).await;
    assert_eq!(by_author.body["articles"][0]["title"], "Cats");
    let favorited = app.get("/api/articles?favorited=anna", Some(&anna)).await;
    assert_eq!(favorited.body["articlesCount"], 1);
    assert_eq!(favorited.body["articles"][0]["favorited"], true);
    let combined = app
        .get("/api/articles?tag=dragons&author=jake&favorited=anna", None)
        .await;
    assert_eq!(combined.body["articlesCount"], 1);
    let favorited_tag = app
        .get("/api/articles?tag=dragons&favorited=anna", None)
        .await;
    assert_eq!(favorited_tag.body["articlesCount"], 1);
    assert_eq!(favorited_tag.body["articles"][0]["slug"], dragons.as_str());
    let other_tag = app.get("/api/articles?tag=cats&favorited=anna", None).await;
    assert_eq!(other_tag.body["articlesCount"], 0);
    for unknown in ["author=nobody", "favorited=nobody", "tag=nothing"] {
        let reply = app.get(&format!("/api/articles?{unknown}"), None).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["articlesCount"], 0, "{unknown}");
        assert_eq!(reply.body["articles"], json!([]));
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_paging_is_422_and_large_limits_are_capped(db: PgPool) {
    let app = TestApp::new(db);
    for query in ["limit=-1", "offset=-3", "limit=ten"] {
        let reply = app.get(&format!("/api/articles?{query}"), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
    assert_eq!(
        app.get("/api/articles?limit=100000", None).await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_feed_shows_followed_authors_only(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    app.register("bob").await;
    app.publish(&anna, "From Anna", &[]).await;
    assert_error(
        &app.get("/api/articles/feed", None).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is missing",
    );
    let empty = app.get("/api/articles/feed", Some(&jake)).await;
    assert_eq!(empty.body["articlesCount"], 0);
    app.post("/api/profiles/anna/follow", Some(&jake), json!({}))
        .await;
    let feed = app.get("/api/articles/feed", Some(&jake)).await;
    assert_eq!(feed.body["articlesCount"], 1);
    assert_eq!(feed.body["articles"][0]["author"]["following"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn updating_keeps_omitted_tags_clears_on_empty_and_rejects_null(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Tagged", &["a", "b"]).await;
    let path = format!("/api/articles/{slug}");
    // Timestamps have millisecond precision: make sure the update lands in a later one.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    let body_only = app
        .put(
            &path,
            Some(&jake),
            json!({ "article": { "body": "new body" } }),
        )
        .await;
    assert_eq!(body_only.status, StatusCode::OK);
    assert_eq!(
        body_only.body["article"]["slug"],
        slug.as_str(),
        "slug is stable when only the body changes"
    );
    assert_eq!(body_only.body["article"]["tagList"], json!(["a", "b"]));
    assert!(
        body_only.body["article"]["updatedAt"].as_str()
            > body_only.body["article"]["createdAt"].as_str()
    );

    let cleared = app
        .put(&path, Some(&jake), json!({ "article": { "tagList": [] } }))
        .await;
    assert_eq!(cleared.body["article"]["tagList"], json!([]));
    let null = app
        .put(
            &path,
            Some(&jake),
            json!({ "article": { "tagList": null } }),
        )
        .await;
    assert_eq!(null.status, StatusCode::UNPROCESSABLE_ENTITY);

    let retitled = app
        .put(
            &path,
            Some(&jake),
            json!({ "article": { "title": "Brand new" } }),
        )
        .await;
    assert_eq!(retitled.body["article"]["slug"], "brand-new");
    assert_eq!(
        app.get("/api/articles/brand-new", None).await.body["article"]["body"],
        "new body"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn errors_come_in_the_order_401_404_403_422(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Mine", &[]).await;
    let bad = json!({ "article": { "tagList": null } });

    assert_error(
        &app.put("/api/articles/nope", None, bad.clone()).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "is missing",
    );
    assert_error(
        &app.put("/api/articles/nope", Some(&anna), bad.clone())
            .await,
        StatusCode::NOT_FOUND,
        "article",
        "not found",
    );
    let path = format!("/api/articles/{slug}");
    assert_error(
        &app.put(&path, Some(&anna), bad.clone()).await,
        StatusCode::FORBIDDEN,
        "article",
        "forbidden",
    );
    assert_eq!(
        app.put(&path, Some(&jake), bad).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_error(
        &app.delete(&path, Some(&anna)).await,
        StatusCode::FORBIDDEN,
        "article",
        "forbidden",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_an_article_is_204_with_an_empty_body(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Doomed", &["gone"]).await;
    let reply = app
        .delete(&format!("/api/articles/{slug}"), Some(&jake))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_null());
    assert_error(
        &app.get(&format!("/api/articles/{slug}"), None).await,
        StatusCode::NOT_FOUND,
        "article",
        "not found",
    );
    assert_eq!(
        app.get("/api/articles", None).await.body["articlesCount"],
        0
    );
    assert_eq!(app.get("/api/tags", None).await.body["tags"], json!([]));
}

#[sqlx::test(migrations = "../migrations")]
async fn favoriting_is_idempotent_and_relative_to_the_caller(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Loved", &[]).await;
    let path = format!("/api/articles/{slug}/favorite");
    for _ in 0..2 {
        let reply = app.post(&path, Some(&anna), json!({})).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["article"]["favorited"], true);
        assert_eq!(reply.body["article"]["favoritesCount"], 1);
    }
    let as_jake = app.get(&format!("/api/articles/{slug}"), Some(&jake)).await;
    assert_eq!(as_jake.body["article"]["favorited"], false);
    assert_eq!(as_jake.body["article"]["favoritesCount"], 1);
    let undone = app.delete(&path, Some(&anna)).await;
    assert_eq!(undone.body["article"]["favorited"], false);
    assert_eq!(undone.body["article"]["favoritesCount"], 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_favorites_keep_the_count_exact(db: PgPool) {
    let app = Arc::new(TestApp::new(db));
    let author = app.register("author").await;
    let slug = app.publish(&author, "Popular", &[]).await;
    let mut tokens = Vec::new();
    for i in 0..12 {
        tokens.push(app.register(&format!("fan{i}")).await);
    }
    let path = format!("/api/articles/{slug}/favorite");
    let favorite_all = tokens.iter().cloned().map(|token| {
        let (app, path) = (app.clone(), path.clone());
        tokio::spawn(async move { app.post(&path, Some(&token), json!({})).await.status })
    });
    for status in join_all(favorite_all).await {
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        app.get(&format!("/api/articles/{slug}"), None).await.body["article"]["favoritesCount"],
        12
    );

    // Half unfavorite while the other half favorite again, all at once.
    let churn = tokens.iter().cloned().enumerate().map(|(i, token)| {
        let (app, path) = (app.clone(), path.clone());
        tokio::spawn(async move {
            if i % 2 == 0 {
                app.delete(&path, Some(&token)).await.status
            } else {
                app.post(&path, Some(&token), json!({})).await.status
            }
        })
    });
    join_all(churn).await;
    assert_eq!(
        app.get(&format!("/api/articles/{slug}"), None).await.body["article"]["favoritesCount"],
        6
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn tags_include_one_created_a_moment_ago(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    app.publish(&jake, "Fresh", &["brand-new-tag"]).await;
    let tags = app.get("/api/tags", None).await;
    assert_eq!(tags.status, StatusCode::OK);
    assert_eq!(tags.body["tags"], json!(["brand-new-tag"]));
}

#[sqlx::test(migrations = "../migrations")]
async fn oversized_bodies_are_413(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let reply = app
        .post(
            "/api/articles",
            Some(&jake),
            json!({ "article": { "title": "t", "description": "d", "body": huge } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body["errors"].is_object());
    // Declared up front, past the pages' own limit too: still the API's answer.
    let body = format!("{{\"article\":{{\"body\":\"{}\"}}}}", "x".repeat(3 << 20));
    let request = Request::post("/api/articles")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::AUTHORIZATION, format!("Token {jake}"))
        .body(Body::from(body))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body, json!({ "errors": { "body": ["is too large"] } }));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sidebar_is_bounded_and_shows_a_tag_just_used_while_the_api_lists_all(db: PgPool) {
    let app = TestApp::new(db.clone());
    let jake = app.register("jake").await;
    // 40 popular tags (three articles each), then one used once, just now.
    for batch in 0..3 {
        let tags: Vec<String> = (0..40).map(|i| format!("popular{i:02}")).collect();
        for chunk in tags.chunks(20) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            app.publish(&jake, &format!("Batch {batch}"), &chunk).await;
        }
    }
    app.publish(&jake, "Newest", &["just-used"]).await;

    let all = app.get("/api/tags", None).await.body["tags"].clone();
    let all: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(all.len(), 41, "the contract's list is complete");

    let page = app.get("/", None).await;
    let shown = sidebar_tags(page.body.as_str().unwrap());
    assert!(shown.len() <= 30, "{} tags in the sidebar", shown.len());
    assert!(shown.contains(&"just-used"), "a tag just used shows");
    // The sidebar's selection leads the complete list.
    assert!(all[..30].contains(&"just-used"));
}

/// The tag pills of a page's sidebar, in order: every pill, each with its name.
fn sidebar_tags(html: &str) -> Vec<&str> {
    let sidebar = &html[html.find("class=\"sidebar\"").unwrap()..];
    sidebar
        .split("class=\"tag-pill tag-default\"")
        .skip(1)
        .map(|pill| {
            let name = pill
                .split_once('>')
                .and_then(|(_, rest)| rest.split_once('<'));
            name.expect("a tag pill with its name").0
        })
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sidebar_leads_with_the_most_used_and_never_shows_a_tag_out_of_use(db: PgPool) {
    let app = TestApp::new(db.clone());
    let jake = app.register("jake").await;
    let mut favourite = Vec::new();
    for n in 0..3 {
        favourite.push(
            app.publish(&jake, &format!("Favourite {n}"), &["favourite"])
                .await,
        );
    }
    // Twelve tags used once since: of the ten most recent, none is it.
    for n in 0..12 {
        let tag = format!("recent{n:02}");
        app.publish(&jake, &format!("Recent {n}"), &[tag.as_str()])
            .await;
    }
    tags::rank(&app.state().db).await.unwrap();
    let page = app.get("/", None).await;
    let shown = sidebar_tags(page.body.as_str().unwrap());
    assert_eq!(shown[0], "favourite", "{shown:?}: the most used leads");
    assert_eq!(
        shown.len(),
        13,
        "{shown:?}: every tag ranked, then the most recent"
    );

    // Its articles go: it leaves the sidebar at once, before the next ranking.
    for slug in &favourite {
        let path = format!("/api/articles/{slug}");
        assert_eq!(
            app.delete(&path, Some(&jake)).await.status,
            StatusCode::NO_CONTENT
        );
    }
    let page = app.get("/", None).await;
    let shown = sidebar_tags(page.body.as_str().unwrap());
    assert!(!shown.contains(&"favourite"), "{shown:?}");
    assert_eq!(shown.len(), 12, "{shown:?}");
    // The next ranking leaves it out.
    tags::rank(&app.state().db).await.unwrap();
    let ranked: Vec<String> = sqlx::query_scalar(
        "select t.name from tag_ranks r join tags t on t.id = r.tag_id order by t.name",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(ranked.len(), 12, "{ranked:?}");
    assert!(
        ranked.iter().all(|name| name.starts_with("recent")),
        "{ranked:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recent_tag_out_of_use_leaves_no_gap_in_the_sidebar(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    // 25 tags used twice: the 20 most used fill their part of the sidebar.
    let popular: Vec<String> = (0..25).map(|i| format!("popular{i:02}")).collect();
    for _ in 0..2 {
        for chunk in popular.chunks(20) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            app.publish(&jake, "Popular", &chunk).await;
        }
    }
    // Twelve tags used once since, each by an article of its own: the ten
    // newest fill the other part.
    let mut recent = Vec::new();
    for n in 0..12 {
        let tag = format!("recent{n:02}");
        recent.push(
            app.publish(&jake, &format!("Recent {n}"), &[tag.as_str()])
                .await,
        );
    }
    tags::rank(&app.state().db).await.unwrap();
    let page = app.get("/", None).await;
    let shown = sidebar_tags(page.body.as_str().unwrap());
    assert_eq!(shown.len(), 30, "{shown:?}");
    assert!(
        shown.contains(&"recent11") && !shown.contains(&"recent01"),
        "{shown:?}"
    );

    // The newest goes out of use: the next most recent takes its place.
    let path = format!("/api/articles/{}", recent[11]);
    assert_eq!(
        app.delete(&path, Some(&jake)).await.status,
        StatusCode::NO_CONTENT
    );
    let page = app.get("/", None).await;
    let shown = sidebar_tags(page.body.as_str().unwrap());
    assert_eq!(shown.len(), 30, "{shown:?}");
    assert!(
        !shown.contains(&"recent11") && shown.contains(&"recent01"),
        "{shown:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_article_titled_like_an_api_path_can_still_be_read(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Feed", &[]).await;
    assert_ne!(slug, "feed", "the feed's own path");
    let reply = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["article"]["title"], "Feed");
}

#[sqlx::test(migrations = "../migrations")]
async fn combined_filters_count_no_further_than_any_window_reaches(db: PgPool) {
    let app = TestApp::new(db.clone());
    let token = app.register("prolific").await;
    app.publish(&token, "Tagged", &["many"]).await;
    // Ten thousand more of the author's articles with the tag, written
    // straight to the database (the counting triggers off: one row each
    // would take seconds, and no count here reads them).
    let mut tx = db.begin().await.unwrap();
    for statement in [
        "alter table articles disable trigger user",
        "alter table article_tags disable trigger user",
        "insert into articles (author_id, slug, title, description, body, tag_list)
         select 1, 'bulk-' || g, 'Bulk', 'd', 'b', '{many}' from generate_series(1, 10150) g",
        "insert into article_tags (article_id, tag_id, article_created_at)
         select a.id, t.id, a.created_at from articles a, tags t
         where a.slug like 'bulk-%' and t.name = 'many'",
        "alter table articles enable trigger user",
        "alter table article_tags enable trigger user",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let list = app
        .get("/api/articles?author=prolific&tag=many&limit=1", None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let cap = app::backend::articles::COMBINED_COUNT_CAP;
    assert_eq!(list.body["articlesCount"], cap, "counted to the cap");
    let deepest = app
        .get(
            "/api/articles?author=prolific&tag=many&limit=100&offset=10000",
            None,
        )
        .await;
    assert_eq!(deepest.body["articles"].as_array().unwrap().len(), 100);
}
