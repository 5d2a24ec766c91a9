//! How long a connection may hold the server's memory: a silent one is
//! closed within the header read timeout, an idle keep-alive one (HTTP/1.1
//! or HTTP/2) after the keep-alive timeout, and past the connection cap new
//! ones wait until one closes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use sqlx::PgPool;

use crate::support::{database_url, ServerProcess};

const GET: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: conduit\r\n\r\n";

/// Reads until the server closes the connection; panics past `limit`.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut seen = Vec::new();
    let read = stream.read_to_end(&mut seen);
    assert!(read.is_ok(), "still open after {limit:?}: {read:?}");
    seen
}

/// Reads one answer to [`GET`] (a small JSON body, sent whole).
fn read_answer(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    let read = stream.read(&mut buffer).unwrap();
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn silent_and_idle_connections_are_closed(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-idle").await,
        &[
            ("HEADER_READ_TIMEOUT_SECS", "1"),
            ("KEEP_ALIVE_TIMEOUT_SECS", "3"),
        ],
    );
    // A socket that never sends a byte.
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).unwrap();
    assert!(read_until_closed(&mut silent, Duration::from_secs(10)).is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A keep-alive connection outlives the header timeout while idle, and
    // is closed once the keep-alive timeout passes.
    let mut kept = TcpStream::connect(server.addr).unwrap();
    kept.write_all(GET).unwrap();
    assert!(read_answer(&mut kept).starts_with("HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(1_500));
    kept.write_all(GET).unwrap();
    assert!(
        read_answer(&mut kept).starts_with("HTTP/1.1 200"),
        "still open"
    );
    let idle = Instant::now();
    assert!(read_until_closed(&mut kept, Duration::from_secs(10)).is_empty());
    assert!(
        idle.elapsed() >= Duration::from_secs(2),
        "{:?}",
        idle.elapsed()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idle_http2_connection_is_sent_away(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-idle-h2").await,
        &[("KEEP_ALIVE_TIMEOUT_SECS", "2")],
    );
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (mut send, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    let open = tokio::spawn(connection);
    let request = Request::get(server.url("/healthz"))
        .body(Body::empty())
        .unwrap();
    let answer = send.send_request(request).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.version(), axum::http::Version::HTTP_2);
    let idle = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(15), open).await;
    assert!(closed.is_ok(), "the HTTP/2 connection is still open");
    assert!(
        idle.elapsed() >= Duration::from_secs(1),
        "{:?}",
        idle.elapsed()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn past_the_connection_cap_a_new_connection_waits_for_a_free_one(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-cap").await,
        &[("MAX_CONNECTIONS", "2")],
    );
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(server.addr).unwrap();
            stream.write_all(GET).unwrap();
            assert!(read_answer(&mut stream).starts_with("HTTP/1.1 200"));
            stream
        })
        .collect();
    let mut waiting = TcpStream::connect(server.addr).unwrap();
    waiting.write_all(GET).unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buffer = [0u8; 64];
    assert!(waiting.read(&mut buffer).is_err(), "answered past the cap");
    held.pop();
    assert!(read_answer(&mut waiting).starts_with("HTTP/1.1 200"));
}
