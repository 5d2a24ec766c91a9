//! Faults a test makes: a TCP proxy in front of PostgreSQL that it can cut
//! and restore (a database outage, for one server process, without touching
//! the shared test cluster), and a lock that holds queries in PostgreSQL.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{Connection, PgConnection, PgPool};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Outage {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    /// Links accepted so far, numbered from 1.
    accepted: Arc<AtomicU64>,
    /// Links numbered up to this one have gone silent ([`Outage::silence`]).
    silenced: watch::Sender<u64>,
    /// Links numbered up to this one have gone deaf ([`Outage::deafen`]).
    deafened: watch::Sender<u64>,
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
        let accepted = Arc::new(AtomicU64::new(0));
        let (silenced, _) = watch::channel(0);
        let (deafened, _) = watch::channel(0);
        runtime.spawn({
            let (down, links) = (down.clone(), links.clone());
            let (accepted, silenced) = (accepted.clone(), silenced.subscribe());
            let deafened = deafened.subscribe();
            async move {
                let listener = TcpListener::from_std(listener).unwrap();
                while let Ok((mut client, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        // Refused: the connection is closed at once.
                        continue;
                    }
                    let number = accepted.fetch_add(1, Ordering::SeqCst) + 1;
                    let (mut silence, mut deaf) = (silenced.clone(), deafened.clone());
                    let link = tokio::spawn(async move {
                        let Ok(mut server) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let (mut from_client, mut to_client) = client.split();
                        let (mut from_server, mut to_server) = server.split();
                        let heard = async {
                            let deafened = tokio::select! {
                                _ = tokio::io::copy(&mut from_client, &mut to_server) => false,
                                _ = deaf.wait_for(|upto| *upto >= number) => true,
                            };
                            if deafened {
                                // Whatever the client sends now is lost.
                                std::future::pending::<()>().await;
                            }
                        };
                        let answered = tokio::io::copy(&mut from_server, &mut to_client);
                        // Either side's end ends the link: both are closed.
                        let silenced = tokio::select! {
                            _ = heard => false,
                            _ = answered => false,
                            _ = silence.wait_for(|upto| *upto >= number) => true,
                        };
                        if silenced {
                            // Open, and never a byte more either way.
                            std::future::pending::<()>().await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            }
        });
        Self {
            addr,
            down,
            accepted,
            silenced,
            deafened,
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

    /// The database's host goes away without closing anything, as in a
    /// failover or a network partition: every connection open now stays
    /// open and silent for ever (no answer, no error, no end), while new
    /// connections reach the database (its new primary).
    pub fn silence(&self) {
        self.silenced
            .send_replace(self.accepted.load(Ordering::SeqCst));
    }

    /// The way to the database breaks in one direction only (a one-way
    /// partition): on every connection open now, what the server sends is
    /// lost, while what the database sends (answers already under way, a
    /// notification) still arrives. New connections work.
    pub fn deafen(&self) {
        self.deafened
            .send_replace(self.accepted.load(Ordering::SeqCst));
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
