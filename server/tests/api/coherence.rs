//! Two server processes on one database: a write through one is seen
//! through the other within a second (PostgreSQL LISTEN/NOTIFY), also in
//! what was rendered for one reader, and an instance that loses its listener
//! connection flushes its cache.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::{database_url, time_until, unannounced, Conduit, Remote, ServerProcess};

/// The bound the design promises for other instances to see a write.
const PROPAGATION: Duration = Duration::from_secs(1);

async fn body_of(server: &Remote, slug: &str) -> String {
    let reply = server
        .get(&format!("/api/articles/{slug}"), None)
        .await
        .body;
    reply["article"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_write_through_one_instance_is_read_through_another_within_a_second(db: PgPool) {
    let a = ServerProcess::start(&database_url(&db, "conduit-a").await, &[]);
    let b = ServerProcess::start(&database_url(&db, "conduit-b").await, &[]);
    let (a, b) = (Remote::new(&a), Remote::new(&b));
    let token = a.register("writer").await;
    let slug = a.publish(&token, "Shared state", &["cache"]).await;

    // B caches the article, the list and the tags.
    for _ in 0..2 {
        assert_eq!(body_of(&b, &slug).await, "first version");
    }
    let tags_before = b.get("/api/tags", None).await.body;
    assert_eq!(tags_before["tags"], json!(["cache"]));

    let edit = json!({ "article": { "body": "second version", "tagList": ["coherent"] } });
    let edited = a
        .put(&format!("/api/articles/{slug}"), Some(&token), edit)
        .await;
    assert_eq!(edited.status, 200);

    let article_seen = time_until(PROPAGATION, || async {
        body_of(&b, &slug).await == "second version"
    })
    .await;
    assert!(
        article_seen.is_some(),
        "B still serves the old article after {PROPAGATION:?}"
    );
    let tags_seen = time_until(PROPAGATION, || async {
        let tags = b.get("/api/tags", None).await.body;
        tags["tags"] == json!(["coherent"])
    })
    .await;
    assert!(tags_seen.is_some(), "B still serves the old tags");

    // Favorites change a count that every list shows.
    let favorited = a
        .post(
            &format!("/api/articles/{slug}/favorite"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(favorited.status, 200);
    let count_seen = time_until(PROPAGATION, || async {
        let list = b.get("/api/articles", None).await.body;
        list["articles"][0]["favoritesCount"] == 1
    })
    .await;
    assert!(
        count_seen.is_some(),
        "B's first page still shows 0 favorites"
    );

    // What B rendered for one reader drops when that reader writes through A.
    let reader = a.register("reader").await;
    for _ in 0..2 {
        let profile = b.get("/api/profiles/writer", Some(&reader)).await.body;
        assert_eq!(profile["profile"]["following"], false);
    }
    let follow = a
        .post("/api/profiles/writer/follow", Some(&reader), json!({}))
        .await;
    assert_eq!(follow.status, 200);
    let follow_seen = time_until(PROPAGATION, || async {
        let profile = b.get("/api/profiles/writer", Some(&reader)).await.body;
        profile["profile"]["following"] == true
    })
    .await;
    assert!(
        follow_seen.is_some(),
        "B still shows the reader not following"
    );
}

async fn bio_of(server: &Remote) -> Value {
    let reply = server.get("/api/profiles/writer", None).await.body;
    reply["profile"]["bio"].clone()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_write_whose_client_left_mid_statement_is_seen_on_every_instance_within_a_second(
    db: PgPool,
) {
    let a = ServerProcess::start(&database_url(&db, "conduit-a").await, &[]);
    let b = ServerProcess::start(&database_url(&db, "conduit-b").await, &[]);
    let (remote_a, remote_b) = (Remote::new(&a), Remote::new(&b));
    let token = remote_a.register("writer").await;
    for remote in [&remote_a, &remote_b] {
        for _ in 0..2 {
            assert_eq!(bio_of(remote).await, Value::Null, "cached without a bio");
        }
    }

    // The user's row is held, so the update waits inside PostgreSQL while
    // its client gives up and closes the connection.
    let mut holder = db.begin().await.unwrap();
    sqlx::query("select 1 from users where username = 'writer' for update")
        .execute(&mut *holder)
        .await
        .unwrap();
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let sent = impatient
        .put(a.url("/api/user"))
        .header("Authorization", format!("Token {token}"))
        .json(&json!({ "user": { "bio": "written after its client left" } }))
        .send()
        .await;
    assert!(sent.is_err(), "the client left before the answer");
    let waiting = time_until(Duration::from_secs(3), || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from pg_stat_activity
             where wait_event_type = 'Lock' and query ilike 'update users%'",
        )
        .fetch_one(&db)
        .await
        .unwrap()
            == 1
    })
    .await;
    assert!(waiting.is_some(), "the update is not waiting in PostgreSQL");
    holder.commit().await.unwrap();

    for (name, remote) in [("A", &remote_a), ("B", &remote_b)] {
        let seen = time_until(PROPAGATION, || async {
            bio_of(remote).await == "written after its client left"
        })
        .await;
        assert!(seen.is_some(), "{name} still serves the old profile");
    }

    // A write from outside the app (an operator's `psql`) reaches them too.
    sqlx::query("update users set bio = 'set by an operator' where username = 'writer'")
        .execute(&db)
        .await
        .unwrap();
    for (name, remote) in [("A", &remote_a), ("B", &remote_b)] {
        let seen = time_until(PROPAGATION, || async {
            bio_of(remote).await == "set by an operator"
        })
        .await;
        assert!(seen.is_some(), "{name} missed a write made outside the app");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_instance_flushes_its_cache_when_its_listener_reconnects(db: PgPool) {
    let url = database_url(&db, "conduit-flush").await;
    let server = ServerProcess::start(&url, &[]);
    let remote = Remote::new(&server);
    let token = remote.register("writer").await;
    let slug = remote.publish(&token, "Missed message", &["cache"]).await;
    assert_eq!(body_of(&remote, &slug).await, "first version");

    // A change the instance is never told about, like a NOTIFY lost while
    // its listener was disconnected.
    let change = "update articles set body = 'changed behind its back'";
    unannounced(&db, "articles", change).await;
    assert_eq!(
        body_of(&remote, &slug).await,
        "first version",
        "served from the cache"
    );

    let terminated: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'conduit-flush' and query ilike 'listen%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(terminated, [true], "exactly one listener connection");

    let seen = time_until(Duration::from_secs(10), || async {
        body_of(&remote, &slug).await == "changed behind its back"
    })
    .await;
    assert!(
        seen.is_some(),
        "the cache was not flushed:\n{}",
        server.log()
    );
    let reconnected = time_until(Duration::from_secs(10), || async {
        server
            .log()
            .contains("cache listener reconnected; flushed the cache")
    })
    .await;
    assert!(reconnected.is_some(), "{}", server.log());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_listener_subscribes_through_its_own_url_when_one_is_given(db: PgPool) {
    // As behind RDS Proxy: requests through the pool's URL, LISTEN straight
    // to the database (the proxy would pin or drop the subscription).
    let pooled = database_url(&db, "conduit-pooled").await;
    let direct = database_url(&db, "conduit-direct").await;
    let server = ServerProcess::start(&pooled, &[("DATABASE_LISTEN_URL", &direct)]);
    let listening = |name: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from pg_stat_activity
                 where application_name = $1 and query ilike 'listen%'",
            )
            .bind(name)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let subscribed = time_until(Duration::from_secs(10), || async {
        listening("conduit-direct").await == 1
    })
    .await;
    assert!(subscribed.is_some(), "{}", server.log());
    assert_eq!(listening("conduit-pooled").await, 0);
}
