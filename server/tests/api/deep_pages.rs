//! Deep pages of the global, per-tag and per-author lists start from an
//! anchor the cache keeps (`app::backend::articles::deep`): they must be
//! exactly the pages `offset` gives, also right after an article is written.

use serde_json::Value;
use sqlx::PgPool;

use crate::support::{Conduit, TestApp};

/// 450 articles, a third of them at the same instant (ties go by id),
/// every other one tagged `even`.
async fn articles(db: &PgPool) {
    for statement in [
        "insert into users (username, username_key, email, password_hash)
         values ('writer', 'writer', 'writer@example.com', 'x')",
        "insert into articles (author_id, slug, title, description, body, created_at, tag_list)
         select (select id from users where username = 'writer'), 'a-' || n, 't', 'd', 'b',
                case when n % 3 = 0 then timestamptz '2026-03-01'
                     else timestamptz '2026-01-01' + make_interval(hours => n) end,
                case when n % 2 = 0 then array['even'] else '{}' end
         from generate_series(1, 450) n",
        "insert into tags (name) values ('even')",
        "insert into article_tags (article_id, tag_id, article_created_at)
         select a.id, t.id, a.created_at from articles a, tags t
         where t.name = 'even' and 'even' = any(a.tag_list)",
    ] {
        sqlx::query(statement).execute(db).await.unwrap();
    }
}

fn slugs(reply: &Value) -> Vec<String> {
    reply["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// A list's filter: none, a tag, or an author.
#[derive(Clone, Copy)]
enum Filter<'a> {
    All,
    Tag(&'a str),
    Author(&'a str),
}

/// The window as the plain query reads it.
async fn expected(db: &PgPool, filter: Filter<'_>, limit: i64, offset: i64) -> Vec<String> {
    let (tag, author) = match filter {
        Filter::All => (None, None),
        Filter::Tag(tag) => (Some(tag), None),
        Filter::Author(author) => (None, Some(author)),
    };
    sqlx::query_scalar(
        "select a.slug from articles a
         where ($1::text is null or exists (select 1 from article_tags at join tags t on t.id = at.tag_id
                                           where at.article_id = a.id and t.name = $1))
           and ($2::text is null or a.author_id = (select id from users where username = $2))
         order by a.created_at desc, a.id desc limit $3 offset $4",
    )
    .bind(tag)
    .bind(author)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
    .unwrap()
}

async fn every_window_matches(app: &TestApp, db: &PgPool, author: &str) {
    for filter in [Filter::All, Filter::Tag("even"), Filter::Author(author)] {
        for (limit, offset) in [
            (20, 100),
            (20, 150),
            (7, 199),
            (20, 200),
            (100, 250),
            (20, 440),
            (5, 451),
        ] {
            let path = match filter {
                Filter::All => format!("/api/articles?limit={limit}&offset={offset}"),
                Filter::Tag(tag) => {
                    format!("/api/articles?tag={tag}&limit={limit}&offset={offset}")
                }
                Filter::Author(author) => {
                    format!("/api/articles?author={author}&limit={limit}&offset={offset}")
                }
            };
            let reply = app.get(&path, None).await;
            assert_eq!(
                slugs(&reply.body),
                expected(db, filter, limit, offset).await,
                "{path}"
            );
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn deep_pages_from_anchors_are_the_pages_offset_gives(db: PgPool) {
    let app = TestApp::new(db.clone());
    articles(&db).await;
    every_window_matches(&app, &db, "writer").await;
    let anchors = app.tier_stats("anchors").await;
    assert_eq!(
        anchors.entries, 3,
        "the global list's, the tag's and the author's: {anchors:?}"
    );

    // A new article moves every page along by one, at once: another
    // author's moves the global and the tag's, the writer's own theirs.
    let token = app.register("late").await;
    app.publish(&token, "Newest", &["even"]).await;
    every_window_matches(&app, &db, "writer").await;
    let reply = app.get("/api/articles?limit=1&offset=100", None).await;
    assert_eq!(reply.body["articlesCount"], 451);
    // One of the writer's own, written straight to the database: the change
    // feed drops the anchors as it does for the API's writes.
    sqlx::query(
        "insert into articles (author_id, slug, title, description, body, tag_list)
         select id, 'latest-of-writer', 't', 'd', 'b', '{}' from users where username = 'writer'",
    )
    .execute(&db)
    .await
    .unwrap();
    app.settle().await;
    every_window_matches(&app, &db, "writer").await;
    let reply = app
        .get("/api/articles?author=writer&limit=1&offset=449", None)
        .await;
    assert_eq!(reply.body["articlesCount"], 451);
}
