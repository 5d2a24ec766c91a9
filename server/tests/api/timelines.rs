//! Readers' timelines (`app::backend::timelines`): the feed read from them
//! is the plain query's page before its jobs are done and after; the jobs
//! and the backfill leave each timeline exactly as the follows make it,
//! also when the server doing them is killed halfway.

use std::time::{Duration, Instant};

use app::backend::articles::feed::{page, Plan};
use app::backend::background::Progress;
use app::backend::timelines::{backfill, jobs, DEPTH, PULL_ABOVE};
use app::backend::tokens::UserId;
use app::backend::Services;
use app::models::Window;
use sqlx::PgPool;

use crate::feed::{graph, reference, WINDOWS};
use crate::support::{database_url, sample, ServerProcess, TestApp};

async fn run(db: &PgPool, statements: &[&str]) {
    for statement in statements {
        sqlx::query(statement).execute(db).await.unwrap();
    }
}

/// Every reader's timeline page is the plain query's, for every window;
/// `pending` jobs waiting (at least) while it reads.
async fn same_pages(db: &PgPool, services: &Services, moment: &str, pending: i64) {
    let queued: i64 = sqlx::query_scalar("select count(*) from timeline_jobs")
        .fetch_one(db)
        .await
        .unwrap();
    assert!(queued >= pending, "{moment}: {queued} jobs queued");
    let readers: Vec<(String, i64)> = sqlx::query_as(
        "select username, id from users where username ~ '^(u2[0-5]|f1|f2|pr)$' order by id",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (name, reader) in &readers {
        for (limit, offset) in WINDOWS {
            let window = Window { limit, offset };
            let ids = page(services, UserId(*reader), window, Plan::Timeline)
                .await
                .unwrap();
            assert_eq!(
                ids,
                reference(db, *reader, window).await,
                "{moment}: {name}, limit {limit} offset {offset}"
            );
        }
    }
}

/// Does every job and the backfill.
async fn drain(services: &Services) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the jobs were not worked off");
        let jobs = jobs::batch(&services.db).await.unwrap();
        let backfill = backfill::batch(&services.db).await.unwrap();
        if jobs == Progress::Idle && backfill == Progress::Idle {
            let left: i64 = sqlx::query_scalar("select count(*) from timeline_jobs")
                .fetch_one(services.db.writer().unwrap())
                .await
                .unwrap();
            if left == 0 {
                return;
            }
            // Not due yet: a batch failed and waits.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// What the timelines hold that no follow explains (the reader does not
/// follow the author, or the article is gone), and what they lack of what
/// the follows make (each follow of an author who is not pulled: the
/// author's newest DEPTH). Both 0 when every job is done. (A timeline may
/// hold more of an author than their newest DEPTH: publications can reach
/// it after the follow copied them; those are real rows of the feed.)
async fn differences(db: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "select
             (select count(*) from timelines t
              where not exists (select 1 from follows f
                                where f.follower_id = t.reader_id and f.followed_id = t.author_id)
                 or not exists (select 1 from articles a
                                where a.id = t.article_id and a.author_id = t.author_id
                                  and a.created_at = t.created_at)),
             (select count(*) from follows f
              cross join lateral (select id, created_at from articles
                                  where author_id = f.followed_id
                                  order by created_at desc, id desc limit $1) a
              where not exists (select 1 from timeline_pulled_authors p
                                where p.author_id = f.followed_id)
                and not exists (select 1 from timelines t
                                where t.reader_id = f.follower_id and t.created_at = a.created_at
                                  and t.article_id = a.id))",
    )
    .bind(DEPTH)
    .fetch_one(db)
    .await
    .unwrap()
}

/// The feed graph, plus: `p`, an author with more articles than a timeline
/// holds of one author, followed by u22 and f1; `pr`, who follows nobody
/// yet; `f1`..`f150`, followers of
/// u1 and u5 (more followers than are pushed to).
async fn wider_graph(db: &PgPool) {
    graph(db).await;
    run(
        db,
        &[
            "insert into users (username, username_key, email, password_hash)
             select n, n, n || '@example.com', 'x'
             from (select 'f' || i as n from generate_series(1, 150) i
                   union all values ('p'), ('pr')) u",
            "insert into articles (author_id, slug, title, description, body, created_at)
             select u.id, 'p-' || n, 't', 'd', 'b',
                    timestamptz '2026-01-01' + make_interval(secs => n * 11)
             from users u, generate_series(1, 10110) n where u.username = 'p'",
            "insert into follows (follower_id, followed_id)
             select r.id, a.id from users r, users a
             where (r.username ~ '^f[0-9]+$' and a.username in ('u1', 'u5'))
                or (r.username in ('u22', 'f1') and a.username = 'p')",
        ],
    )
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_timeline_gives_the_plain_querys_page_before_and_after_its_jobs(db: PgPool) {
    const { assert!(150 > PULL_ABOVE && 10_110 > DEPTH) };
    let app = TestApp::new(db.clone());
    // This test works the queue itself, to read while jobs wait.
    app.stop_background();
    let services = &app.state().services;
    wider_graph(&db).await;
    same_pages(&db, services, "follows pending", 500).await;
    drain(services).await;
    same_pages(&db, services, "follows done", 0).await;
    assert_eq!(differences(&db).await, (0, 0));

    // u1 (150 followers) publishes, u2 (a few) is pushed to; follows
    // change; pr follows p (its newest 10,100 are copied); articles go,
    // among them one of u5's (pulled, with rows pushed before).
    run(
        &db,
        &[
            "insert into articles (author_id, slug, title, description, body, created_at)
             select id, 'late-' || username, 't', 'd', 'b', timestamptz '2026-06-01'
             from users where username in ('u1', 'u2')",
            "delete from follows where (follower_id, followed_id) in (
                 select r.id, a.id from users r, users a
                 where (r.username = 'u23' and a.username = 'u5')
                    or (r.username = 'u22' and a.username = 'u3'))",
            "insert into follows (follower_id, followed_id)
             select r.id, a.id from users r, users a
             where (r.username = 'u24' and a.username = 'u1')
                or (r.username = 'u22' and a.username = 'u3')
                or (r.username = 'pr' and a.username = 'p')",
            "delete from articles where slug in ('a-u1-7', 'a-u5-2', 'a-u2-1', 'late-u2')",
        ],
    )
    .await;
    same_pages(&db, services, "writes pending", 11).await;
    drain(services).await;
    same_pages(&db, services, "writes done", 0).await;
    assert_eq!(differences(&db).await, (0, 0));

    // One of p's newest goes: its 10,101st moves up into pr's timeline.
    run(&db, &["delete from articles where slug = 'p-10109'"]).await;
    same_pages(&db, services, "a deletion pending", 1).await;
    drain(services).await;
    same_pages(&db, services, "a deletion done", 0).await;
    assert_eq!(differences(&db).await, (0, 0));
    let pulled: Vec<String> = sqlx::query_scalar(
        "select u.username from timeline_pulled_authors p join users u on u.id = p.author_id
         order by u.username",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        pulled,
        ["u1", "u5"],
        "the authors with over PULL_ABOVE followers"
    );
    let swept: i64 = sqlx::query_scalar(
        "select count(*) from timelines t join users r on r.id = t.reader_id
         join users a on a.id = t.author_id
         where (r.username = 'u23' and a.username = 'u5')
            or t.article_id not in (select id from articles)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        swept, 0,
        "unfollowed and deleted articles leave the timelines"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn readers_from_before_timelines_get_theirs_built_and_read_the_same_meanwhile(db: PgPool) {
    let app = TestApp::new(db.clone());
    app.stop_background();
    let services = &app.state().services;
    // As after the migration on a database with readers: nothing pushed,
    // nothing queued, the backfill at its start.
    run(
        &db,
        &[
            "alter table follows disable trigger timeline_follow_changed",
            "alter table articles disable trigger timeline_article_changed",
        ],
    )
    .await;
    wider_graph(&db).await;
    run(
        &db,
        &[
            "alter table follows enable trigger timeline_follow_changed",
            "alter table articles enable trigger timeline_article_changed",
            "truncate timelines, timeline_jobs, timeline_pulled_authors",
            "update timeline_backfill set next_reader = 0, next_author = 0, done = false",
        ],
    )
    .await;
    let mut batches = 0;
    loop {
        // The API's feed chooses the timeline for readers already passed.
        for (name, reader) in sqlx::query_as::<_, (String, i64)>(
            "select username, id from users where username ~ '^(u2[0-5]|f1)$'",
        )
        .fetch_all(&db)
        .await
        .unwrap()
        {
            for (limit, offset) in WINDOWS {
                let window = Window { limit, offset };
                let list = app::backend::articles::feed::feed(services, UserId(reader), window)
                    .await
                    .unwrap();
                let slugs: Vec<i64> = sqlx::query_scalar(
                    "select id from articles where slug = any($1) order by created_at desc, id desc",
                )
                .bind(list.articles.iter().map(|a| a.slug.clone()).collect::<Vec<_>>())
                .fetch_all(&db)
                .await
                .unwrap();
                assert_eq!(
                    slugs,
                    reference(&db, reader, window).await,
                    "after {batches} batches: {name}, limit {limit} offset {offset}"
                );
            }
        }
        if backfill::batch(&services.db).await.unwrap() == Progress::Idle {
            break;
        }
        batches += 1;
    }
    assert!(
        batches > 1,
        "the backfill went in several batches: {batches}"
    );
    assert_eq!(differences(&db).await, (0, 0));
}

/// Authors `a1`..`aN`, each with `articles` articles, and readers
/// `r1`..`rM`, who follow nobody yet.
async fn authors_and_readers(db: &PgPool, authors: i32, articles: i32, readers: i32) {
    sqlx::query(
        "insert into users (username, username_key, email, password_hash)
         select n, n, n || '@example.com', 'x'
         from (select 'a' || i as n from generate_series(1, $1) i
               union all select 'r' || i from generate_series(1, $2) i) u",
    )
    .bind(authors)
    .bind(readers)
    .execute(db)
    .await
    .unwrap();
    sqlx::query(
        "insert into articles (author_id, slug, title, description, body, created_at)
         select u.id, u.username || '-' || n, 't', 'd', 'b',
                timestamptz '2026-01-01' + make_interval(secs => n * 7 + u.id)
         from users u, generate_series(1, $1) n where u.username ~ '^a[0-9]+$'",
    )
    .bind(articles)
    .execute(db)
    .await
    .unwrap();
}

/// Kills a server once `halfway` (SQL) holds, checks that what it left
/// is whole (`broken` (SQL) counts what is not: 0), and lets the next
/// server finish: every timeline then exactly as its follows make it.
async fn killed_halfway(db: &PgPool, halfway: &str, broken: &str) {
    let url = database_url(db, "conduit-timelines").await;
    let first = ServerProcess::start(&url, &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !sqlx::query_scalar::<_, bool>(halfway)
        .fetch_one(db)
        .await
        .unwrap()
    {
        assert!(
            Instant::now() < deadline,
            "the worker never got halfway:\n{}",
            first.log()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(first);
    let left: i64 = sqlx::query_scalar(broken).fetch_one(db).await.unwrap();
    assert_eq!(left, 0, "a batch is all or nothing");

    let second = ServerProcess::start(&url, &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left: i64 = sqlx::query_scalar(
            "select (select count(*) from timeline_jobs)
                  + (select count(*) from timeline_backfill where not done)",
        )
        .fetch_one(db)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the work was not finished:\n{}",
            second.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        differences(db).await,
        (0, 0),
        "every timeline as its follows make it"
    );
}

/// The rows of one follow in its reader's timeline (each author here has 50).
const ROWS_OF: &str = "(select count(*) from timelines t
                        where t.reader_id = f.follower_id and t.author_id = f.followed_id)";

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_halfway_leaves_every_timeline_as_its_follows_make_it(db: PgPool) {
    // 40 authors of 50 articles each (their publications reach nobody yet),
    // then 2,000 follows in one statement: 2,000 follow jobs of 50 rows.
    authors_and_readers(&db, 40, 50, 500).await;
    run(
        &db,
        &[
            "truncate timeline_jobs",
            "update timeline_backfill set done = true",
            "insert into follows (follower_id, followed_id)
             select r.id, w.id from users r, users w
             where r.username ~ '^r' and w.username ~ '^a' and (r.id + w.id) % 10 = 0",
        ],
    )
    .await;
    killed_halfway(
        &db,
        "select count(*) between 1 and 1800 from timeline_jobs",
        &format!(
            "select count(*) from follows f
             where {ROWS_OF} <> case when exists (
                 select 1 from timeline_jobs j
                 where j.kind = 'follow' and j.reader_id = f.follower_id
                   and j.author_id = f.followed_id) then 0 else 50 end"
        ),
    )
    .await;
    // And the backfill, from its start.
    run(
        &db,
        &[
            "truncate timelines",
            "update timeline_backfill set next_reader = 0, next_author = 0, done = false",
        ],
    )
    .await;
    killed_halfway(
        &db,
        "select not done and next_reader > 0 from timeline_backfill",
        &format!(
            "select count(*) from follows f, timeline_backfill b
             where (f.follower_id < b.next_reader and {ROWS_OF} <> 50)
                or (f.follower_id > b.next_reader and {ROWS_OF} <> 0)"
        ),
    )
    .await;
}

/// Writers and two workers at once: follows made and undone, articles
/// published and deleted, an author crossing the pull threshold midway,
/// while the jobs run. Once the writers stop and the queue is drained,
/// every timeline is exactly as its follows make it and every page is the
/// plain query's: no race between a write and a batch leaves a row
/// missing or one behind.
#[sqlx::test(migrations = "../migrations")]
async fn writes_racing_the_workers_leave_every_timeline_as_its_follows_make_it(db: PgPool) {
    let app = TestApp::new(db.clone());
    let services = &app.state().services;
    authors_and_readers(&db, 6, 30, 130).await;
    // A second worker beside the app's, as a second server would run.
    let worker = tokio::spawn(app::backend::timelines::run(services.db.clone()));
    let writers: Vec<_> = (0..6u64)
        .map(|writer| {
            let db = db.clone();
            tokio::spawn(async move {
                // A small linear congruential generator: the same run each time.
                let mut seed = writer * 7919 + 17;
                let mut next = |n: u64| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (seed >> 33) % n
                };
                for step in 0..150u64 {
                    let author = format!("a{}", 1 + next(6));
                    let reader = format!("r{}", 1 + next(130));
                    let (statement, first) = match next(10) {
                        0..=3 => (
                            "insert into follows (follower_id, followed_id)
                             select r.id, a.id from users r, users a
                             where r.username = $1 and a.username = $2
                             on conflict do nothing",
                            reader,
                        ),
                        4..=5 => (
                            "delete from follows
                             where follower_id = (select id from users where username = $1)
                               and followed_id = (select id from users where username = $2)",
                            reader,
                        ),
                        6..=7 => (
                            "insert into articles (author_id, slug, title, description, body)
                             select id, $2 || '-new-' || $1, 't', 'd', 'b'
                             from users where username = $2",
                            format!("{writer}-{step}"),
                        ),
                        _ => (
                            "delete from articles where id = (
                                 select a.id from articles a join users u on u.id = a.author_id
                                 where u.username = $2 and $1::text is not null
                                 order by a.created_at desc, a.id desc limit 1)",
                            String::new(),
                        ),
                    };
                    sqlx::query(statement)
                        .bind(first)
                        .bind(author)
                        .execute(&db)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    // Every reader follows a1, who then publishes: over the threshold.
    run(
        &db,
        &[
            "insert into follows (follower_id, followed_id)
             select r.id, a.id from users r, users a
             where r.username ~ '^r' and a.username = 'a1'
             on conflict do nothing",
            "insert into articles (author_id, slug, title, description, body)
             select id, 'a1-last', 't', 'd', 'b' from users where username = 'a1'",
        ],
    )
    .await;
    drain(services).await;
    worker.abort();
    assert_eq!(
        differences(&db).await,
        (0, 0),
        "every timeline as its follows make it"
    );
    let pulled: i64 = sqlx::query_scalar("select count(*) from timeline_pulled_authors")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(pulled, 1, "a1, with over PULL_ABOVE followers, is pulled");
    let readers: Vec<i64> =
        sqlx::query_scalar("select id from users where username ~ '^r' order by id")
            .fetch_all(&db)
            .await
            .unwrap();
    for reader in readers {
        for (limit, offset) in [(20, 0), (10, 25), (100, 60)] {
            let window = Window { limit, offset };
            assert_eq!(
                page(services, UserId(reader), window, Plan::Timeline)
                    .await
                    .unwrap(),
                reference(&db, reader, window).await,
                "reader {reader}, limit {limit} offset {offset}"
            );
        }
    }
}

/// The metric of the queue, for alerts on a queue that stopped draining.
fn gauge(text: &str, name: &str) -> f64 {
    sample(text, name).unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn the_metrics_show_the_queues_backlog_until_it_is_worked_off(db: PgPool) {
    let app = TestApp::new(db.clone());
    app.stop_background();
    // As after a bulk load: the backfill at its start (the app's worker
    // may have finished the empty one before it stopped).
    run(
        &db,
        &["update timeline_backfill set next_reader = 0, next_author = 0, done = false"],
    )
    .await;
    wider_graph(&db).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let reply = app.metrics().await;
    let text = reply.body.as_str().unwrap();
    let queued: i64 = sqlx::query_scalar("select count(*) from timeline_jobs")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        gauge(text, "conduit_queue_jobs{queue=\"timelines\"}"),
        queued as f64
    );
    assert!(
        gauge(
            text,
            "conduit_queue_oldest_due_seconds{queue=\"timelines\"}"
        ) >= 1.0
    );
    assert_eq!(gauge(text, "conduit_queue_jobs{queue=\"purges\"}"), 0.0);
    assert_eq!(gauge(text, "conduit_timelines_backfilled"), 0.0);

    drain(&app.state().services).await;
    let reply = app.metrics().await;
    let text = reply.body.as_str().unwrap();
    assert_eq!(gauge(text, "conduit_queue_jobs{queue=\"timelines\"}"), 0.0);
    assert_eq!(
        gauge(
            text,
            "conduit_queue_oldest_due_seconds{queue=\"timelines\"}"
        ),
        0.0
    );
    assert_eq!(gauge(text, "conduit_timelines_backfilled"), 1.0);
}
