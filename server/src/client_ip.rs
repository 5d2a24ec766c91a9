//! Who the client is, for rate limits: the peer of the connection, unless
//! the peer is a proxy we trust, in which case the address it reports. A
//! client can write anything into `X-Forwarded-For`, so it is read from the
//! right, skipping trusted proxies; the first address that is not one is the
//! client (the right-most untrusted address).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The client's address, in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Which proxies are believed. Cloned for every request: shared, not copied.
#[derive(Clone, Debug, Default)]
pub struct Proxies {
    trusted: Arc<Vec<IpNet>>,
    /// A header a trusted proxy sets to the client's address alone.
    header: Option<Arc<str>>,
}

impl Proxies {
    pub fn new(trusted: Vec<IpNet>, header: Option<String>) -> Self {
        Self {
            trusted: Arc::new(trusted),
            header: header.filter(|h| !h.trim().is_empty()).map(Arc::from),
        }
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.trusted.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`, given the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        if let Some(address) = self
            .header
            .as_ref()
            .and_then(|name| headers.get(&**name))
            .and_then(|value| value.to_str().ok())
            .and_then(parse_address_and_port)
        {
            return address;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(parse_address)
            .collect();
        forwarded
            .iter()
            .rev()
            .copied()
            .find(|address| !self.trusts(*address))
            .or_else(|| forwarded.first().copied())
            .unwrap_or(peer)
    }
}

/// An `X-Forwarded-For` entry: `203.0.113.7` or `2001:db8::1`, or either
/// with a port the usual way (`203.0.113.7:80`, `[2001:db8::1]:80`).
fn parse_address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The value of a proxy's client-address header: the address and the
/// client's port, IPv6 unbracketed as CloudFront writes
/// `CloudFront-Viewer-Address` (`198.51.100.10:46532`, `2001:db8::1:4433`).
/// The port is always there, so the address is what precedes the last
/// colon: read whole, `2001:db8::1:4433` is another (valid) IPv6 address.
fn parse_address_and_port(text: &str) -> Option<IpAddr> {
    let (host, port) = text.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Puts the [`ClientIp`] into the request. Requests that came through no
/// socket (tests driving the router in-process) get the unspecified address.
pub async fn resolve(State(proxies): State<Proxies>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    let client = proxies.client(peer, request.headers());
    request.extensions_mut().insert(ClientIp(client));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let proxies = Proxies::new(vec!["10.0.0.0/8".parse().unwrap()], None);
        let client = proxies.client(ip("198.51.100.1"), &headers("1.2.3.4"));
        assert_eq!(client, ip("198.51.100.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client() {
        let proxies = Proxies::new(vec!["10.0.0.0/8".parse().unwrap()], None);
        // The client forged the first entry; the proxy appended what it saw.
        let seen = headers("1.2.3.4, 198.51.100.9, 10.1.2.3");
        assert_eq!(proxies.client(ip("10.0.0.5"), &seen), ip("198.51.100.9"));
    }

    #[test]
    fn a_trusted_proxy_header_names_the_client() {
        let header = Some("cloudfront-viewer-address".to_owned());
        let proxies = Proxies::new(vec!["10.0.0.0/8".parse().unwrap()], header);
        let mut seen = headers("198.51.100.9");
        seen.insert(
            "cloudfront-viewer-address",
            "203.0.113.7:46532".parse().unwrap(),
        );
        assert_eq!(proxies.client(ip("10.0.0.5"), &seen), ip("203.0.113.7"));
    }

    #[test]
    fn an_ipv6_viewer_address_is_read_without_its_port() {
        assert_eq!(
            parse_address_and_port("2001:db8::1:4433"),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            parse_address_and_port("203.0.113.7:46532"),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            parse_address_and_port("[2001:db8::1]:443"),
            Some(ip("2001:db8::1"))
        );
        // No port: not the header's form; X-Forwarded-For is asked instead.
        assert_eq!(parse_address_and_port("2001:db8::1"), None);
        assert_eq!(parse_address_and_port("203.0.113.7"), None);
    }
}
