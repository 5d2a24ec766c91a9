//! What identifies a stored answer, parsed once from the request: the route
//! its path names, the query parameters that route reads (decoded, in one
//! order, with one spelling per value), and for the API the CORS origin the
//! answer names. Everything else of the URI is left out, so that the request
//! target's form (a path over HTTP/1.1, an absolute URI over HTTP/2 or from a
//! proxy), percent-encoding, parameter order and parameters nobody reads
//! cannot make another entry of the same answer. The answer is rendered from
//! [`ResponseKey::uri`], so it depends on nothing the key leaves out.

use app::urls::{self, Route};
use axum::http::{HeaderValue, Uri};

/// Who may call the API from other origins, for the part of the key CORS needs.
#[derive(Clone, Debug)]
pub enum CorsOrigins {
    /// Any origin: every answer says `*`, whatever the request's `Origin`.
    Any,
    /// These origins: an answer names the request's `Origin` when listed.
    Listed(Vec<HeaderValue>),
}

impl CorsOrigins {
    pub fn new(origins: &[String]) -> Self {
        if origins.iter().any(|o| o == "*") {
            Self::Any
        } else {
            Self::Listed(
                origins
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok())
                    .collect(),
            )
        }
    }
}

/// A storable request, as the response tiers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseKey {
    route: Route,
    /// `path?query` in canonical form.
    target: String,
    /// The `Origin` the answer's CORS headers name, if any.
    origin: Option<HeaderValue>,
}

impl ResponseKey {
    /// The key of a read of `uri` with `origin`; `None` for what is never
    /// stored (server functions, the signed-in pages, unknown paths).
    pub fn of(uri: &Uri, origin: Option<&HeaderValue>, cors: &CorsOrigins) -> Option<Self> {
        let route = Route::parse(uri.path());
        let path = route.path()?;
        let query = canonical_query(&route, uri.query().unwrap_or_default());
        let target = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        // Only the API answers with CORS headers, and with `*` they name no origin.
        let origin = origin
            .filter(|origin| {
                route.is_api()
                    && matches!(cors, CorsOrigins::Listed(allowed) if allowed.contains(origin))
            })
            .cloned();
        Some(Self {
            route,
            target,
            origin,
        })
    }

    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The value of query parameter `name` in the canonical query.
    pub fn parameter(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// The URI the answer is rendered from.
    pub fn uri(&self) -> Uri {
        // Built from a path and query the app's own encoders wrote.
        self.target
            .parse()
            .unwrap_or_else(|_| Uri::from_static("/"))
    }

    /// The `Origin` the answer is rendered for.
    pub fn origin(&self) -> Option<&HeaderValue> {
        self.origin.as_ref()
    }

    /// The key's text, for the tier.
    pub fn text(&self) -> String {
        let origin = self
            .origin
            .as_ref()
            .and_then(|o| o.to_str().ok())
            .unwrap_or_default();
        format!("{} {origin}", self.target)
    }
}

/// The parameters `route` reads, in its order, each once (the first given)
/// and in one spelling; the others left out.
fn canonical_query(route: &Route, raw: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for &name in route.parameters() {
        let value = form_urlencoded::parse(raw.as_bytes())
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| canonical_value(name, &value));
        if let Some(value) = value {
            query.append_pair(name, &value);
        }
    }
    query.finish()
}

/// One spelling per meaning: `None` where the value means the same as no
/// parameter (page 1, a redirect off the site, a feed that is not Your Feed).
fn canonical_value(name: &str, value: &str) -> Option<String> {
    match name {
        urls::PAGE => match urls::page_number(Some(value)) {
            1 => None,
            page => Some(page.to_string()),
        },
        urls::FEED => (value == urls::FOLLOWING).then(|| value.to_owned()),
        urls::REDIRECT => Some(urls::after_sign_in(value)).filter(|to| to != urls::HOME),
        // The article page ignores a window it cannot read.
        urls::COMMENTS_AFTER => value.parse::<i64>().ok().map(|after| after.to_string()),
        // The API answers 422 to a number it cannot read: kept as sent.
        "limit" | "offset" | "after" => Some(
            value
                .parse::<i64>()
                .map_or_else(|_| value.to_owned(), |n| n.to_string()),
        ),
        _ => Some(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(uri: &str) -> ResponseKey {
        ResponseKey::of(&uri.parse().unwrap(), None, &CorsOrigins::Any).unwrap()
    }

    #[test]
    fn every_form_of_the_same_request_has_one_key() {
        let canonical = key("/api/articles?favorited=jake&limit=10");
        for uri in [
            "http://conduit.example/api/articles?limit=10&favorited=jake",
            "/api/articles?fav%6Frited=jake&limit=010&utm_source=x",
            "/api/articles?favorited=jake&limit=10&favorited=anna",
            "/api/%61rticles?favorited=jake&limit=10",
        ] {
            assert_eq!(key(uri), canonical, "{uri}");
        }
        assert_eq!(canonical.parameter("favorited").as_deref(), Some("jake"));
        assert_eq!(canonical.uri(), "/api/articles?favorited=jake&limit=10");
    }

    #[test]
    fn values_that_mean_no_parameter_are_left_out() {
        assert_eq!(key("/?page=1&feed=global").uri(), "/");
        assert_eq!(key("/?page=x").uri(), "/");
        assert_eq!(
            key("/?feed=following&page=03").uri(),
            "/?feed=following&page=3"
        );
        assert_eq!(key("/login?redirect=https://evil.example").uri(), "/login");
        assert_eq!(
            key("/login?redirect=%2Farticle%2Fa&__err=spoof").uri(),
            "/login?redirect=%2Farticle%2Fa"
        );
        assert_eq!(key("/article/a?comments_after=x").uri(), "/article/a");
    }

    #[test]
    fn only_the_api_keys_on_an_origin_and_only_on_one_it_allows() {
        let listed = CorsOrigins::new(&["https://spa.example".to_owned()]);
        let spa = HeaderValue::from_static("https://spa.example");
        let other = HeaderValue::from_static("https://other.example");
        let api: Uri = "/api/tags".parse().unwrap();
        let of = |origin: &HeaderValue, cors: &CorsOrigins| {
            ResponseKey::of(&api, Some(origin), cors).unwrap().origin
        };
        assert_eq!(of(&spa, &listed), Some(spa.clone()));
        assert_eq!(of(&other, &listed), None);
        assert_eq!(of(&spa, &CorsOrigins::Any), None);
        let page = ResponseKey::of(&"/".parse().unwrap(), Some(&spa), &listed).unwrap();
        assert_eq!(page.origin, None);
    }

    #[test]
    fn server_functions_and_unknown_paths_have_no_key() {
        for uri in [
            "/rpc/comments?slug=a",
            "/editor",
            "/api/user",
            "/article/a/b",
        ] {
            assert!(ResponseKey::of(&uri.parse().unwrap(), None, &CorsOrigins::Any).is_none());
        }
    }
}
