//! The totals the lists show (every article, each tag's) are kept in counter
//! shards by triggers (migrations/20261207000003_counter_shards.sql). They
//! must equal `count(*)` after any burst of concurrent writes and deletes.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::support::{join_all, Conduit, TestApp};

const WRITERS: usize = 50;
const ARTICLES_EACH: usize = 12;
const TAGS: [&str; 3] = ["hot", "warm", "cold"];

/// What the counters say and what counting says, for every article and per tag.
async fn totals(db: &PgPool) -> (Vec<(String, i64, i64)>, i64, i64) {
    let kept: i64 = sqlx::query_scalar("select sum(articles)::bigint from article_total_shards")
        .fetch_one(db)
        .await
        .unwrap();
    let counted: i64 = sqlx::query_scalar("select count(*) from articles")
        .fetch_one(db)
        .await
        .unwrap();
    let per_tag = sqlx::query_as(
        r#"select t.name,
                  coalesce((select sum(s.articles) from tag_count_shards s where s.tag_id = t.id), 0)::bigint,
                  (select count(*) from article_tags at where at.tag_id = t.id)
           from tags t order by t.name"#,
    )
    .fetch_all(db)
    .await
    .unwrap();
    (per_tag, kept, counted)
}

#[sqlx::test(migrations = "../migrations")]
async fn totals_stay_exact_under_concurrent_writes_and_deletes(db: PgPool) {
    // A connection per writer, so that the writers really run at once.
    let writers = PgPoolOptions::new()
        .max_connections(WRITERS as u32)
        .connect_with((*db.connect_options()).clone())
        .await
        .unwrap();
    sqlx::query(
        "insert into users (username, username_key, email, password_hash)
         select 'w' || i, 'w' || i, 'w' || i || '@example.com', 'x' from generate_series(1, 50) i",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("insert into tags (name) select unnest($1::text[])")
        .bind(TAGS)
        .execute(&db)
        .await
        .unwrap();

    let bursts = (0..WRITERS).map(|writer| {
        let pool = writers.clone();
        tokio::spawn(async move {
            for n in 0..ARTICLES_EACH {
                let mut tx = pool.begin().await.unwrap();
                let id: i64 = sqlx::query_scalar(
                    "insert into articles (author_id, slug, title, description, body)
                     select id, $2, 't', 'd', 'b' from users where username = $1 returning id",
                )
                .bind(format!("w{}", writer + 1))
                .bind(format!("a-{writer}-{n}"))
                .fetch_one(&mut *tx)
                .await
                .unwrap();
                // Every article takes "hot"; some take more.
                sqlx::query(
                    "insert into article_tags (article_id, tag_id, article_created_at)
                     select $1, id, now() from tags where name = any($2)",
                )
                .bind(id)
                .bind(&TAGS[..1 + (writer + n) % TAGS.len()])
                .execute(&mut *tx)
                .await
                .unwrap();
                tx.commit().await.unwrap();
                // A third of them go again at once, some by their tag
                // alone, some with the whole article.
                match n % 3 {
                    0 => {
                        sqlx::query("delete from articles where id = $1")
                            .bind(id)
                            .execute(&pool)
                            .await
                            .unwrap();
                    }
                    1 => {
                        sqlx::query("delete from article_tags where article_id = $1 and tag_id = (select id from tags where name = 'hot')")
                            .bind(id)
                            .execute(&pool)
                            .await
                            .unwrap();
                    }
                    _ => {}
                }
            }
        })
    });
    join_all(bursts).await;

    let (per_tag, kept, counted) = totals(&db).await;
    assert_eq!(counted, (WRITERS * ARTICLES_EACH * 2 / 3) as i64);
    assert_eq!(kept, counted, "the articles' total");
    for (tag, kept, counted) in &per_tag {
        assert_eq!(kept, counted, "the total of {tag}");
    }
    assert!(per_tag.iter().all(|(_, _, counted)| *counted > 0));
    // The writers spread over the shards instead of queueing on one row.
    let shards: i64 =
        sqlx::query_scalar("select count(*) from article_total_shards where articles <> 0")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(shards > 1, "{shards} shard(s) used");
}

fn count(reply: &Value) -> i64 {
    reply["articlesCount"].as_i64().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_reports_the_totals_and_only_the_tags_in_use(db: PgPool) {
    let app = Arc::new(TestApp::new(db.clone()));
    let tokens = join_all((0..4).map(|i| {
        let app = app.clone();
        tokio::spawn(async move { app.register(&format!("author{i}")).await })
    }))
    .await;
    let slugs: Vec<Vec<String>> = join_all(tokens.iter().cloned().enumerate().map(|(i, token)| {
        let app = app.clone();
        tokio::spawn(async move {
            let mut slugs = Vec::new();
            for n in 0..5 {
                let tags: &[&str] = if n == 0 {
                    &["rare", "common"]
                } else {
                    &["common"]
                };
                slugs.push(app.publish(&token, &format!("Article {i} {n}"), tags).await);
            }
            slugs
        })
    }))
    .await;
    assert_eq!(count(&app.get("/api/articles", None).await.body), 20);
    assert_eq!(
        count(&app.get("/api/articles?tag=common", None).await.body),
        20
    );
    assert_eq!(
        count(&app.get("/api/articles?tag=rare", None).await.body),
        4
    );

    // Every article that carried "rare" goes, concurrently.
    let deleted = join_all(tokens.iter().cloned().zip(&slugs).map(|(token, slugs)| {
        let (app, path) = (app.clone(), format!("/api/articles/{}", slugs[0]));
        tokio::spawn(async move { app.delete(&path, Some(&token)).await.status })
    }))
    .await;
    assert!(
        deleted
            .iter()
            .all(|status| *status == StatusCode::NO_CONTENT),
        "{deleted:?}"
    );
    assert_eq!(count(&app.get("/api/articles", None).await.body), 16);
    assert_eq!(
        count(&app.get("/api/articles?tag=common", None).await.body),
        16
    );
    assert_eq!(
        count(&app.get("/api/articles?tag=rare", None).await.body),
        0
    );
    let tags = app.get("/api/tags", None).await;
    assert_eq!(tags.body["tags"], json!(["common"]));
    let (per_tag, kept, counted) = totals(&db).await;
    assert_eq!((kept, counted), (16, 16));
    assert!(
        per_tag.iter().all(|(_, kept, counted)| kept == counted),
        "{per_tag:?}"
    );
}
