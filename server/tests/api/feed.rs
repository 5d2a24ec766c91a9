//! The feed reads each reader's page by one of two plans
//! (`app::backend::articles::feed`); both must give exactly the page the
//! plain query gives, for any reader and any window.

use app::backend::articles::feed::{page, Plan};
use app::backend::tokens::UserId;
use app::models::Window;
use axum::http::StatusCode;
use sqlx::PgPool;

use crate::support::{Conduit, TestApp};

/// Authors from silent to prolific, several articles at the same instant
/// (ties are broken by id), and readers who follow nobody, one quiet
/// author, one prolific author, everybody, or a mix.
pub async fn graph(db: &PgPool) -> Vec<(String, i64)> {
    for statement in [
        "insert into users (username, username_key, email, password_hash)
         select 'u' || i, 'u' || i, 'u' || i || '@example.com', 'x' from generate_series(1, 40) i",
        // u1 writes 300 articles, u2..u11 one to ten each, u12 three at one instant.
        "insert into articles (author_id, slug, title, description, body, created_at)
         select u.id, 'a-' || u.username || '-' || n, 't', 'd', 'b',
                timestamptz '2026-01-01' + make_interval(mins => ((n * 7 + u.id * 13) % 5000)::int)
         from users u, generate_series(1, 300) n
         where u.username = 'u1'
            or (u.username ~ '^u([2-9]|1[01])$' and n <= substr(u.username, 2)::int - 1)",
        "insert into articles (author_id, slug, title, description, body, created_at)
         select id, 'same-' || n, 't', 'd', 'b', timestamptz '2026-02-01'
         from users, generate_series(1, 3) n where username = 'u12'",
        // u20 follows u2 only; u21 follows u1 only; u22 follows everybody;
        // u23 follows u1, u5, u12; u24 follows the quiet ones; u25 nobody.
        "insert into follows (follower_id, followed_id)
         select r.id, a.id from users r, users a
         where (r.username = 'u20' and a.username = 'u2')
            or (r.username = 'u21' and a.username = 'u1')
            or (r.username = 'u22' and a.username <> 'u22')
            or (r.username = 'u23' and a.username in ('u1', 'u5', 'u12'))
            or (r.username = 'u24' and a.username ~ '^u([2-9]|1[0-2])$')",
    ] {
        sqlx::query(statement).execute(db).await.unwrap();
    }
    sqlx::query_as("select username, id from users where username ~ '^u2[0-5]$' order by id")
        .fetch_all(db)
        .await
        .unwrap()
}

/// Windows from the first page to the deepest the API serves, with a
/// page that starts in one author's articles and ends in another's.
pub const WINDOWS: [(i64, i64); 8] = [
    (20, 0),
    (20, 20),
    (5, 3),
    (100, 0),
    (20, 290),
    (3, 301),
    (10, Window::MAX_OFFSET),
    (20, Window::MAX_OFFSET + Window::MAX_LIMIT - 20),
];

/// The page as the plain query reads it: every followed author's articles, sorted.
pub async fn reference(db: &PgPool, reader: i64, window: Window) -> Vec<i64> {
    sqlx::query_scalar(
        "select a.id from articles a
         where a.author_id in (select followed_id from follows where follower_id = $1)
         order by a.created_at desc, a.id desc limit $2 offset $3",
    )
    .bind(reader)
    .bind(window.limit)
    .bind(window.offset)
    .fetch_all(db)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn both_plans_give_the_plain_querys_page(db: PgPool) {
    let app = TestApp::new(db.clone());
    let services = &app.state().services;
    let readers = graph(&db).await;
    for (name, reader) in &readers {
        for (limit, offset) in WINDOWS {
            let window = Window { limit, offset };
            let expected = reference(&db, *reader, window).await;
            for plan in [Plan::NewestFirst, Plan::PerAuthor] {
                let ids = page(services, UserId(*reader), window, plan).await.unwrap();
                assert_eq!(
                    ids, expected,
                    "{name}, {plan:?}, limit {limit} offset {offset}"
                );
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_feed_is_the_plain_querys_with_its_total(db: PgPool) {
    let app = TestApp::new(db.clone());
    let token = app.register("reader").await;
    graph(&db).await;
    // A prolific author (300 articles) and a quiet one (4).
    sqlx::query(
        "insert into follows (follower_id, followed_id)
         select r.id, a.id from users r, users a
         where r.username = 'reader' and a.username in ('u1', 'u5')",
    )
    .execute(&db)
    .await
    .unwrap();
    let reader: i64 = sqlx::query_scalar("select id from users where username = 'reader'")
        .fetch_one(&db)
        .await
        .unwrap();
    for (limit, offset) in [(10, 0), (10, 5), (20, 295), (20, 304)] {
        let reply = app
            .get(
                &format!("/api/articles/feed?limit={limit}&offset={offset}"),
                Some(&token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let slugs: Vec<&str> = reply.body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["slug"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = sqlx::query_scalar(
            "select slug from articles where id = any($1) order by created_at desc, id desc",
        )
        .bind(reference(&db, reader, Window { limit, offset }).await)
        .fetch_all(&db)
        .await
        .unwrap();
        assert_eq!(slugs, expected, "limit {limit} offset {offset}");
        assert_eq!(reply.body["articlesCount"], 304);
    }
}
