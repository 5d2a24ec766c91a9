//! Faults a test makes: a TCP proxy in front of PostgreSQL that it can cut
//! and restore (a database outage, for one server process, without touching
//! the shared test cluster), and a lock that holds queries in PostgreSQL.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{Connection, PgConnection, PgPool};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Outage {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// The proxy runs on its own runtime and thread, so that it keeps
    /// forwarding while the test blocks (starting a server waits synchronously).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Outage {
    /// Starts forwarding to `upstream` (host:port of the database).
    pub fn proxy(upstream: SocketAddr) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        runtime.spawn({
            let (down, links) = (down.clone(), links.clone());
            async move {
                let listener = TcpListener::from_std(listener).unwrap();
                while let Ok((mut client, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        // Refused: the connection is closed at once.
                        continue;
                    }
                    let link = tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            }
        });
        Self {
            addr,
            down,
            links,
            runtime: Some(runtime),
        }
    }

    /// The database goes away: open connections break, new ones are refused.
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// The database is back.
    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// `database_url` with its host and port replaced by this proxy's.
    pub fn url_through(&self, database_url: &str) -> String {
        let (scheme, rest) = database_url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap();
        let credentials = authority
            .rsplit_once('@')
            .map(|(c, _)| format!("{c}@"))
            .unwrap_or_default();
        format!("{scheme}://{credentials}{}/{path}", self.addr)
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Host and port of the database in a URL.
pub fn database_addr(database_url: &str) -> SocketAddr {
    let rest = database_url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host_port = host_port.replace("localhost", "127.0.0.1");
    host_port.parse().unwrap()
}

/// Holds an exclusive lock on `articles` until dropped (rolled back).
pub struct ArticlesLocked(PgConnection);

impl ArticlesLocked {
    pub async fn take(db: &PgPool) -> Self {
        let mut connection = PgConnection::connect_with(&db.connect_options())
            .await
            .unwrap();
        sqlx::query("begin").execute(&mut connection).await.unwrap();
        sqlx::query("lock table articles in access exclusive mode")
            .execute(&mut connection)
            .await
            .unwrap();
        Self(connection)
    }

    pub async fn release(mut self) {
        sqlx::query("rollback").execute(&mut self.0).await.unwrap();
    }
}

/// Queries waiting for a lock in this test's database.
pub async fn waiting_on_locks(db: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'",
    )
    .fetch_one(db)
    .await
    .unwrap()
}
