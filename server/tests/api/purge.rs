//! A deleted article's favorites and comments are removed by a background
//! worker in batches (`app::backend::purge`): at once for the article, once
//! for each row, also when the worker is killed halfway.

use std::time::{Duration, Instant};

use app::backend::background::Progress;
use app::backend::purge::batch;
use axum::http::StatusCode;
use sqlx::PgPool;

use crate::support::{database_url, Conduit, Remote, ServerProcess, TestApp};

/// `readers` users who each favorite and comment on both articles there
/// are, written in a few statements.
async fn popular_article(db: &PgPool, readers: i64) {
    for statement in [
        "insert into users (username, username_key, email, password_hash)
         select 'r' || i, 'r' || i, 'r' || i || '@example.com', 'x' from generate_series(1, $1) i",
        "insert into favorites (user_id, article_id, article_created_at)
         select u.id, a.id, a.created_at from users u, articles a where u.username ~ '^r[0-9]+$'",
        "insert into comments (article_id, author_id, body)
         select a.id, u.id, 'Nice.' from users u, articles a where u.username ~ '^r[0-9]+$'",
    ] {
        let query = sqlx::query(statement);
        let query = if statement.contains("$1") {
            query.bind(readers)
        } else {
            query
        };
        query.execute(db).await.unwrap();
    }
}

/// The rows left of the article with slug `popular`, the queue's length, and
/// whether every reader's favorites count equals their favorites.
async fn state(db: &PgPool, article: i64) -> (i64, i64, i64, bool) {
    sqlx::query_as(
        "select (select count(*) from favorites where article_id = $1),
                (select count(*) from comments where article_id = $1),
                (select count(*) from article_purges),
                (select bool_and(u.favorites_count = (select count(*) from favorites f where f.user_id = u.id))
                 from users u)",
    )
    .bind(article)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn article_id(db: &PgPool, slug: &str) -> i64 {
    sqlx::query_scalar("select id from articles where slug = $1")
        .bind(slug)
        .fetch_one(db)
        .await
        .unwrap()
}

/// An author's `Popular` article, favorited and commented by `readers`
/// users who also favorite the author's other article; then the author
/// deletes it. Its author's token, slug and id.
async fn popular_article_deleted(
    conduit: &impl Conduit,
    db: &PgPool,
    readers: i64,
) -> (String, String, i64) {
    let author = conduit.register("author").await;
    let popular = conduit.publish(&author, "Popular", &[]).await;
    conduit.publish(&author, "Other", &[]).await;
    popular_article(db, readers).await;
    let id = article_id(db, &popular).await;
    let reply = conduit
        .delete(&format!("/api/articles/{popular}"), Some(&author))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    (author, popular, id)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deleted_articles_rows_go_in_batches_and_every_count_follows(db: PgPool) {
    let app = TestApp::new(db.clone());
    let (_, popular, id) = popular_article_deleted(&app, &db, 2_500).await;
    assert_eq!(
        app.get(&format!("/api/articles/{popular}/comments"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Whatever the worker has done by now, the counts match the rows.
    let (_, _, _, exact) = state(&db, id).await;
    assert!(exact);
    // Batches from here, beside the app's own worker (each takes what the
    // other does not hold).
    let services = &app.state().services;
    let deadline = Instant::now() + Duration::from_secs(60);
    while state(&db, id).await.2 > 0 {
        assert!(Instant::now() < deadline, "the queue was not worked off");
        if batch(&services.db).await.unwrap() == Progress::Idle {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert_eq!(state(&db, id).await, (0, 0, 0, true));
    let count: i32 = sqlx::query_scalar("select favorites_count from users where username = 'r7'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 1, "the other article's favorite stays");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_favorite_or_comment_on_a_deleted_article_is_refused(db: PgPool) {
    let app = TestApp::new(db.clone());
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.publish(&author, "Short-lived", &[]).await;
    let id = article_id(&db, &slug).await;
    app.delete(&format!("/api/articles/{slug}"), Some(&author))
        .await;
    let favorite = app
        .post(
            &format!("/api/articles/{slug}/favorite"),
            Some(&reader),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(favorite.status, StatusCode::NOT_FOUND);
    let comment = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&reader),
            serde_json::json!({ "comment": { "body": "Too late" } }),
        )
        .await;
    assert_eq!(comment.status, StatusCode::NOT_FOUND);
    let orphans: i64 = sqlx::query_scalar(
        "select (select count(*) from favorites where article_id = $1)
              + (select count(*) from comments where article_id = $1)",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_halfway_leaves_every_row_removed_exactly_once(db: PgPool) {
    let url = database_url(&db, "conduit-purge").await;
    let first = ServerProcess::start(&url, &[]);
    let (_, _, id) = popular_article_deleted(&Remote::new(&first), &db, 20_000).await;
    // Kill the server (SIGKILL) once its worker has removed some of the rows
    // and not all: most likely in the middle of a batch.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (favorites, _, _, _) = state(&db, id).await;
        if favorites < 20_000 {
            assert!(
                favorites > 0,
                "the worker finished before it could be killed"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the worker never started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(first);
    let (favorites, comments, queued, exact) = state(&db, id).await;
    assert!(exact, "a batch is all or nothing");
    assert_eq!(queued, 1, "the article is still queued");
    assert!(favorites > 0 && comments > 0);

    // Another server takes the work over and finishes it.
    let second = ServerProcess::start(&url, &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while state(&db, id).await.2 > 0 {
        assert!(
            Instant::now() < deadline,
            "the queue was not worked off; log:\n{}",
            second.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state(&db, id).await, (0, 0, 0, true));
    let counts: Vec<i32> = sqlx::query_scalar(
        "select distinct favorites_count from users where username ~ '^r[0-9]+$'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        counts,
        [1],
        "each reader keeps the other article's favorite, once"
    );
}

/// The queued article's attempts, last error, and when it is due (seconds
/// since the epoch).
async fn retry(db: &PgPool) -> (i32, Option<String>, f64) {
    sqlx::query_as(
        "select attempts, last_error, extract(epoch from run_after)::float8 from article_purges",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

/// The database's clock, in seconds since the epoch.
async fn clock(db: &PgPool) -> f64 {
    sqlx::query_scalar("select extract(epoch from clock_timestamp())::float8")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Fails a batch of the queued article and returns its attempts and error,
/// after asserting that it is due `delay` seconds after the failure.
async fn failed_batch(db: &PgPool, services: &app::backend::Services, delay: f64) -> (i32, String) {
    let before = clock(db).await;
    assert!(batch(&services.db).await.is_err());
    let after = clock(db).await;
    let (attempts, error, due) = retry(db).await;
    assert!(
        due >= before + delay && due <= after + delay,
        "due {due}, failed between {before} and {after}, delay {delay}"
    );
    (attempts, error.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_batch_is_tried_again_later_each_time_and_then_done(db: PgPool) {
    let app = TestApp::new(db.clone());
    sqlx::raw_sql(
        "create function held() returns trigger language plpgsql as
           $$ begin raise exception 'comments are held'; end $$;
         create trigger held before delete on comments
           for each row execute function held()",
    )
    .execute(&db)
    .await
    .unwrap();
    let (_, _, id) = popular_article_deleted(&app, &db, 3).await;
    // Only this test's batches from here, from a job never tried.
    app.stop_background();
    sqlx::query("update article_purges set attempts = 0, run_after = now()")
        .execute(&db)
        .await
        .unwrap();
    let services = &app.state().services;
    // Each failure rolls its batch back, keeps the error, and puts the next
    // try 2^(attempts before it) seconds later; meanwhile the job is left.
    for (attempts, delay) in [(1, 1.0), (2, 2.0), (3, 4.0)] {
        let (counted, error) = failed_batch(&db, services, delay).await;
        assert_eq!(counted, attempts);
        assert!(error.contains("comments are held"), "{error}");
        assert_eq!(batch(&services.db).await.unwrap(), Progress::Idle);
        sqlx::query("update article_purges set run_after = now()")
            .execute(&db)
            .await
            .unwrap();
    }
    // Never more than five minutes, however many failures.
    for attempts in [30, 5_000] {
        sqlx::query("update article_purges set attempts = $1, run_after = now()")
            .bind(attempts)
            .execute(&db)
            .await
            .unwrap();
        let (counted, _) = failed_batch(&db, services, 300.0).await;
        assert_eq!(counted, attempts + 1);
    }
    // Once the cause is gone, the next try does the work.
    sqlx::raw_sql("drop trigger held on comments; update article_purges set run_after = now()")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(batch(&services.db).await.unwrap(), Progress::Worked);
    assert_eq!(state(&db, id).await, (0, 0, 0, true));
}
