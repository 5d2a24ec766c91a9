//! Accepting connections, and closing the ones that hold memory for nothing.
//! `axum::serve` gives hyper no timer, and hyper's own timers leave gaps: a
//! connection that sends nothing waits in the protocol sniffing of the
//! `auto` builder for ever, HTTP/2 has no idle timeout, and HTTP/1's header
//! timeout also cuts idle keep-alive connections (which a load balancer
//! reuses for longer). So each connection is watched here ([`Activity`]):
//!
//! - a request must arrive whole within the header read timeout of its first
//!   byte, and the first within that time of the accept (slowloris, and
//!   sockets opened and never written to);
//! - a connection with no request in flight is closed gracefully after the
//!   keep-alive timeout (longer than the load balancer's own, so that the
//!   balancer, not the server, closes the connections it keeps);
//! - HTTP/2 peers that stop answering pings are dropped;
//! - at most so many connections are open at once: past that, accepting
//!   waits (the kernel's backlog holds the rest).
//!
//! TCP_NODELAY is set, and the peer's address goes to the router for rate
//! limiting.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{Request, Version};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// How long connections may take and keep, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// From a request's first byte to its last header (and from the accept
    /// to the first request).
    pub header_read_timeout: Duration,
    /// How long a connection with nothing in flight stays open.
    pub keep_alive_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// How often an HTTP/2 peer is pinged, and how long its answer may take.
const HTTP2_PING: Duration = Duration::from_secs(20);
/// Longer than any grace period: a stopping server's drain ends first.
const STOPPING: Duration = Duration::from_secs(24 * 3600);

/// Serves `router` on `listener` until `stop` resolves, then stops
/// accepting and gives open connections `grace` to finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    // The header read timeout is [`Activity`]'s: hyper's would also close
    // idle keep-alive connections after it.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(HTTP2_PING))
        .keep_alive_timeout(HTTP2_PING);
    let builder = Arc::new(builder);
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let (stopping, stopped) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of file descriptors and the like: back off, as axum does.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let connection = Connection {
            builder: builder.clone(),
            router: router.clone(),
            limits,
            stopped: stopped.clone(),
        };
        tokio::spawn(async move {
            connection.serve(tcp, peer).await;
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!(?grace, "draining in-flight requests");
    let _ = stopping.send(true);
    let all_closed = slots.acquire_many(u32::try_from(max).unwrap_or(u32::MAX));
    if tokio::time::timeout(grace, all_closed).await.is_err() {
        tracing::warn!("grace period over; dropping open connections");
    }
}

/// One accepted connection and what serving it needs.
struct Connection {
    builder: Arc<Builder<TokioExecutor>>,
    router: Router,
    limits: ConnectionLimits,
    /// Turns true when the server stops.
    stopped: watch::Receiver<bool>,
}

impl Connection {
    async fn serve(mut self, tcp: TcpStream, peer: SocketAddr) {
        // Without TCP_NODELAY a body written after its headers (files are
        // streamed in chunks) waits for the client's delayed ACK: ~40 ms.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let activity = Arc::new(Activity::new());
        let service = {
            let activity = activity.clone();
            let router = self.router.clone();
            tower::service_fn(move |mut request: Request<Incoming>| {
                let in_flight = activity.request_started(request.version());
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                let answer = router.clone().oneshot(request);
                async move {
                    let response = answer.await;
                    drop(in_flight);
                    response
                }
            })
        };
        let io = TokioIo::new(Watched {
            io: tcp,
            activity: activity.clone(),
        });
        let connection = self
            .builder
            .serve_connection(io, TowerToHyperService::new(service));
        let mut connection = std::pin::pin!(connection);
        // Once closing gracefully, by when the connection must be gone.
        let mut close_by: Option<Instant> = None;
        loop {
            let deadline = match (close_by, activity.verdict(&self.limits)) {
                (Some(by), _) => by,
                (None, Verdict::Open { until }) => until,
                (None, Verdict::Cut) => {
                    tracing::debug!(%peer, "closed a connection whose request did not arrive in time");
                    return;
                }
                (None, Verdict::Idle) => {
                    connection.as_mut().graceful_shutdown();
                    // It ends once its last answer is out; a peer that
                    // does not read that answer gets the header timeout.
                    let by = Instant::now() + self.limits.header_read_timeout;
                    close_by = Some(by);
                    by
                }
            };
            tokio::select! {
                ended = connection.as_mut() => {
                    if let Err(error) = ended {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    return;
                }
                () = tokio::time::sleep_until(deadline) => {
                    if close_by.is_some() {
                        return;
                    }
                }
                // The server is stopping: in-flight requests finish within
                // its grace period, which bounds this connection from then on.
                _ = self.stopped.changed(), if close_by.is_none() => {
                    connection.as_mut().graceful_shutdown();
                    close_by = Some(Instant::now() + STOPPING);
                }
            }
        }
    }
}

/// What a connection is doing, as its requests and its reads tell.
struct Activity {
    /// What the times below count from.
    epoch: Instant,
    in_flight: AtomicUsize,
    /// Set by the first HTTP/2 request: its reads (pings, window updates)
    /// say nothing about a request arriving.
    http2: AtomicBool,
    /// When the first byte of a request not yet handed to the router was
    /// read, in milliseconds since `epoch`; [`NONE`] when there is none.
    waiting_since: AtomicU64,
    /// When the connection last had nothing in flight, likewise.
    idle_since: AtomicU64,
}

const NONE: u64 = u64::MAX;

/// What to do with a connection now.
enum Verdict {
    /// Nothing: look again at `until`.
    Open { until: Instant },
    /// A request is late: close at once.
    Cut,
    /// Kept alive long enough: close once what is in flight is answered.
    Idle,
}

impl Activity {
    /// A connection just accepted: its first request is awaited as if its
    /// first byte had arrived.
    fn new() -> Self {
        Self {
            epoch: Instant::now(),
            in_flight: AtomicUsize::new(0),
            http2: AtomicBool::new(false),
            waiting_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(NONE - 1)
    }

    fn at(&self, millis: u64) -> Instant {
        self.epoch + Duration::from_millis(millis)
    }

    /// A request reached the router; the guard marks its answer given.
    fn request_started(self: &Arc<Self>, version: Version) -> InFlight {
        if version == Version::HTTP_2 {
            self.http2.store(true, Ordering::Release);
        }
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.waiting_since.store(NONE, Ordering::Release);
        InFlight(self.clone())
    }

    /// Bytes arrived: with nothing in flight on HTTP/1, a request has begun.
    fn read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0 && !self.http2.load(Ordering::Acquire) {
            let _ = self.waiting_since.compare_exchange(
                NONE,
                self.now(),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    fn verdict(&self, limits: &ConnectionLimits) -> Verdict {
        let now = Instant::now();
        if self.in_flight.load(Ordering::Acquire) > 0 {
            // The request timeout bounds what is in flight.
            return Verdict::Open {
                until: now + limits.keep_alive_timeout,
            };
        }
        let waiting = self.waiting_since.load(Ordering::Acquire);
        if waiting != NONE {
            let due = self.at(waiting) + limits.header_read_timeout;
            return if now >= due {
                Verdict::Cut
            } else {
                Verdict::Open { until: due }
            };
        }
        let due = self.at(self.idle_since.load(Ordering::Acquire)) + limits.keep_alive_timeout;
        if now >= due {
            Verdict::Idle
        } else {
            Verdict::Open { until: due }
        }
    }
}

/// A request in flight on a connection; dropped when its answer is given.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.idle_since.store(activity.now(), Ordering::Release);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection's socket, reporting its reads to its [`Activity`].
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
