//! Security headers on every answer, and the Content-Security-Policy that
//! lets a page run its own scripts and WebAssembly and nothing else.
//!
//! Each request gets a fresh nonce ([`RenderNonce`]), which the page render
//! puts on its inline scripts (the bundle's loader and Leptos' resource
//! bookkeeping). A page rendered for one request gets a policy naming that nonce.
//! A stored page ([`seal`]), shared or kept for one reader, cannot keep one
//! (it is sent again and again, so it would be no secret); its scripts are
//! allowed by their hashes instead, computed once when it is stored. Only
//! scripts that carried the render's nonce are hashed: markup injected into
//! content could not have known it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

use app::backend::tokens::random_hex;
use app::web::RenderNonce;

/// Which origins the policy allows besides this one, and whether to pin HTTPS.
#[derive(Clone, Debug)]
pub struct Security {
    /// The CDN origin of `/pkg` assets, or empty. Shared: the policy is
    /// cloned for every request.
    assets: Arc<str>,
    hsts: bool,
}

impl Security {
    pub fn new(asset_origin: &str, hsts: bool) -> Self {
        Self {
            assets: Arc::from(asset_origin.trim_end_matches('/')),
            hsts,
        }
    }

    /// The policy, with `scripts` naming the inline scripts allowed
    /// (`'nonce-…'` or `'sha256-…'` sources). Images may come from anywhere
    /// (avatars and article images are any URL, shown only as `img src`);
    /// `'wasm-unsafe-eval'` lets the page compile its WebAssembly.
    pub fn policy(&self, scripts: &str) -> String {
        let own = join(&["'self'", &self.assets]);
        let script = join(&[&own, scripts, "'wasm-unsafe-eval'"]);
        format!(
            "default-src 'self'; script-src {script}; style-src {own}; img-src * data:; \
             connect-src {own}; font-src {own}; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        )
    }
}

/// Gives the request its nonce, and the answer the security headers and,
/// unless it was sealed for sharing, the policy naming that nonce.
pub async fn headers(
    State(security): State<Security>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = random_hex(16);
    request.extensions_mut().insert(RenderNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if is_html(headers) {
        if !headers.contains_key(CONTENT_SECURITY_POLICY) {
            let policy = security.policy(&format!("'nonce-{nonce}'"));
            set(headers, CONTENT_SECURITY_POLICY, &policy);
        }
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if security.hsts {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

/// Makes a rendered HTML page shareable: its nonce is taken out and its
/// policy allows the scripts that carried it by hash. Returns the new body
/// and sets the policy in `headers`; anything but HTML is left alone.
pub fn seal(
    security: &Security,
    nonce: &RenderNonce,
    headers: &mut HeaderMap,
    body: &[u8],
) -> Option<Vec<u8>> {
    if !is_html(headers) {
        return None;
    }
    let nonce = nonce.0.as_str();
    let html = std::str::from_utf8(body).ok()?;
    let hashes: Vec<String> = scripts_with_nonce(html, nonce)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    set(
        headers,
        CONTENT_SECURITY_POLICY,
        &security.policy(&hashes.join(" ")),
    );
    let sealed = html.replace(&format!(" nonce=\"{nonce}\""), "");
    Some(sealed.into_bytes())
}

/// The contents of the `<script>` elements whose start tag carries `nonce`.
fn scripts_with_nonce<'a>(html: &'a str, nonce: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let marker = format!("nonce=\"{nonce}\"");
    html.match_indices("<script").filter_map(move |(start, _)| {
        let tag_end = start + html[start..].find('>')?;
        if !html[start..tag_end].contains(&marker) {
            return None;
        }
        let content = &html[tag_end + 1..];
        content.find("</script>").map(|end| &content[..end])
    })
}

/// Sources separated by one space, the empty ones left out.
fn join(sources: &[&str]) -> String {
    sources
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

fn set(headers: &mut HeaderMap, name: axum::http::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_hashes_the_nonced_scripts_only_and_drops_the_nonce() {
        let security = Security::new("", false);
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        let nonce = RenderNonce("abc".to_owned());
        let body = concat!(
            r#"<script type="module" nonce="abc">load()</script>"#,
            r#"<p><script>injected()</script></p>"#,
        );
        let sealed = seal(&security, &nonce, &mut headers, body.as_bytes()).unwrap();
        let sealed = String::from_utf8(sealed).unwrap();
        assert!(!sealed.contains("abc"), "{sealed}");
        let policy = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"load()"));
        assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
        let injected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"injected()"));
        assert!(!policy.contains(&injected), "{policy}");
    }

    #[test]
    fn the_policy_allows_no_inline_script_without_a_source() {
        let policy = Security::new("https://cdn.example", false).policy("'nonce-n'");
        assert!(
            policy.contains("script-src 'self' https://cdn.example 'nonce-n' 'wasm-unsafe-eval'")
        );
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
