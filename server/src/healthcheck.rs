//! `server healthcheck`: the container's health probe, for an image that has
//! no shell and no curl. It asks this instance's `/healthz` (liveness) and
//! succeeds only on 200. Not `/healthz`: an orchestrator replaces a task
//! whose container check fails, and an instance waiting for its database
//! (or serving from its cache while the database fails over) must stay.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// Shorter than the image's `HEALTHCHECK --timeout` (3 s), so a slow answer
/// is reported with its reason instead of the probe being killed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `Ok` when the instance listening on `site_addr` is alive.
pub async fn probe(site_addr: SocketAddr) -> Result<(), String> {
    let addr = loopback(site_addr);
    tokio::time::timeout(PROBE_TIMEOUT, ask(addr))
        .await
        .map_err(|_| format!("http://{addr}/healthz did not answer within {PROBE_TIMEOUT:?}"))?
}

/// A server bound to every interface (`0.0.0.0` in a container) is asked on
/// loopback: the probe runs inside the same network namespace.
fn loopback(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

async fn ask(addr: SocketAddr) -> Result<(), String> {
    let url = format!("http://{addr}/healthz");
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    tokio::spawn(connection);
    let request = Request::get("/healthz")
        .header(header::HOST, addr.to_string())
        .body(Body::empty())
        .map_err(|e| format!("{url}: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    match response.status() {
        StatusCode::OK => Ok(()),
        status => Err(format!("{url} answered {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_is_asked_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(loopback(any), "127.0.0.1:8080".parse().unwrap());
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(loopback(any6), "[::1]:8080".parse().unwrap());
        let one: SocketAddr = "10.0.0.5:3000".parse().unwrap();
        assert_eq!(loopback(one), one);
    }

    #[tokio::test]
    async fn nothing_listening_is_unhealthy() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert!(probe(addr).await.is_err());
    }
}
