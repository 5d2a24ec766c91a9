//! The database's timings as the metrics show them: a caller waiting for a
//! connection is pending until it has one or gives up, and each statement
//! is timed under the service call it ran for and its summary.

use std::time::Duration;

use app::backend::db::Database;
use axum::http::StatusCode;
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tracing::Instrument;

use crate::support::{sample, Conduit, TestApp};

const PENDING: &str =
    r#"db_client_connection_pending_requests{db_client_connection_pool_name="writer"}"#;
const WAITS: &str =
    r#"db_client_connection_wait_time_seconds_count{db_client_connection_pool_name="writer"}"#;
const WAITED: &str =
    r#"db_client_connection_wait_time_seconds_sum{db_client_connection_pool_name="writer"}"#;

fn scrape(db: &Database) -> String {
    let mut registry = Registry::default();
    db.timings().register(&mut registry);
    let mut text = String::new();
    encode(&mut text, &registry).unwrap();
    text
}

fn operations(caller: &str, summary: &str) -> String {
    format!(
        r#"db_client_operation_duration_seconds_count{{db_client_connection_pool_name="writer",code_function_name="{caller}",db_query_summary="{summary}"}}"#
    )
}

async fn count_users(db: &Database) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from users")
        .fetch_one(db.writer().unwrap())
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wait_for_a_connection_is_pending_until_it_ends_and_statements_are_named(db: PgPool) {
    // Service calls' spans name the statements: any subscriber makes them.
    let _spans = tracing::subscriber::set_default(tracing_subscriber::registry());
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*db.connect_options()).clone())
        .await
        .unwrap();
    let database = Database::over(pool.clone());
    let held = pool.acquire().await.unwrap();

    // A caller that gives up while it waits (a client that went away) is
    // pending no more, and its wait is counted: the longest are those.
    let gave_up = tokio::time::timeout(Duration::from_millis(100), count_users(&database)).await;
    assert!(
        gave_up.is_err(),
        "answered while the only connection was held"
    );
    let text = scrape(&database);
    assert_eq!(sample(&text, PENDING), Some(0.0), "{text}");
    assert_eq!(sample(&text, WAITS), Some(1.0), "{text}");
    assert!(sample(&text, WAITED).unwrap() >= 0.1, "{text}");

    // One that waits: pending until the connection is let go, then its
    // wait and its statement are timed.
    let lookup = count_users(&database).instrument(tracing::info_span!("lookup"));
    let holder = async {
        while sample(&scrape(&database), PENDING) != Some(1.0) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(held);
    };
    let (users, ()) = tokio::join!(lookup, holder);
    assert_eq!(users.unwrap(), 0);
    let text = scrape(&database);
    assert_eq!(sample(&text, PENDING), Some(0.0), "{text}");
    assert_eq!(sample(&text, WAITS), Some(2.0), "{text}");
    assert!(sample(&text, WAITED).unwrap() >= 0.3, "{text}");
    let lookup = operations("api::db_timings::lookup", "select users");
    assert_eq!(sample(&text, &lookup), Some(1.0), "{text}");

    // A transaction's statements too; outside any span, with no caller.
    async {
        let mut tx = database.writer().unwrap().begin().await.unwrap();
        sqlx::query("update users set bio = bio where false")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    .instrument(tracing::info_span!("touch"))
    .await;
    count_users(&database).await.unwrap();
    let text = scrape(&database);
    let touched = operations("api::db_timings::touch", "update users");
    assert_eq!(sample(&text, &touched), Some(1.0), "{text}");
    let committed = operations("api::db_timings::touch", "commit");
    assert_eq!(sample(&text, &committed), Some(1.0), "{text}");
    assert_eq!(sample(&text, &operations("", "select users")), Some(1.0));
    assert_eq!(sample(&text, WAITS), Some(4.0), "{text}");
    assert_eq!(sample(&text, PENDING), Some(0.0), "{text}");
}

/// Statements run for `callers` so far, whatever their summary.
fn statements_for(text: &str, callers: &[&str]) -> f64 {
    text.lines()
        .filter(|line| line.starts_with("db_client_operation_duration_seconds_count{"))
        .filter(|line| {
            callers
                .iter()
                .any(|caller| line.contains(&format!(r#"code_function_name="{caller}""#)))
        })
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_uncached_article_page_costs_two_statements(db: PgPool) {
    let _spans = tracing::subscriber::set_default(tracing_subscriber::registry());
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Round trips", &["db"]).await;
    let callers = ["articles::get", "comments::list"];
    let before = app.metrics().await.body.as_str().unwrap().to_owned();

    // The page shows the article with its author and its comments: one
    // statement each, the article read by its slug (not looked up first),
    // and read once though both the article and its comments need it.
    let page = app.get(&format!("/article/{slug}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let after = app.metrics().await.body.as_str().unwrap().to_owned();
    assert_eq!(
        statements_for(&after, &callers) - statements_for(&before, &callers),
        2.0,
        "{after}"
    );
}
