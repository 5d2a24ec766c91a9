//! Clients that leave in the middle of a request. Rendering must not depend
//! on the request still being there: the page's data may arrive after the
//! client has gone, and what renders then must finish quietly.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use sqlx::PgPool;

use crate::support::{
    database_url, time_until, waiting_on_locks, ArticlesLocked, Conduit, Remote, ServerProcess,
};

#[sqlx::test(migrations = "../migrations")]
async fn a_page_whose_client_left_before_its_data_came_renders_without_a_panic(db: PgPool) {
    // No cache: every page waits for its list in PostgreSQL.
    let server = ServerProcess::start(
        &database_url(&db, "conduit-left").await,
        &[("CACHE_ENABLED", "false")],
    );
    let remote = Remote::new(&server);
    let token = remote.register("writer").await;
    remote.publish(&token, "Listed", &["kept"]).await;

    // Each client asks for a page, which then waits for the locked table;
    // the clients go away before it can answer.
    let lock = ArticlesLocked::take(&db).await;
    let pages = ["/", "/tag/kept", "/profile/writer", "/?page=2"];
    let clients: Vec<TcpStream> = pages
        .iter()
        .map(|path| {
            let mut client = TcpStream::connect(server.addr).unwrap();
            let request = format!("GET {path} HTTP/1.1\r\nHost: conduit\r\n\r\n");
            client.write_all(request.as_bytes()).unwrap();
            client
        })
        .collect();
    let held = time_until(Duration::from_secs(5), || async {
        waiting_on_locks(&db).await >= 1
    })
    .await;
    assert!(held.is_some(), "no page waited for the lock");
    drop(clients);
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.release().await;

    // The renders finish for nobody; the server goes on serving.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(remote.get("/", None).await.status, 200);
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
}
