//! Every URL the app links to, built in one place: path segments are
//! percent-encoded here and nowhere else. [`Route`] reads them back.

use crate::models::ListQuery;

mod route;

pub use route::Route;

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const REGISTER: &str = "/register";
pub const SETTINGS: &str = "/settings";
pub const NEW_ARTICLE: &str = "/editor";
pub const YOUR_FEED: &str = "/?feed=following";
/// The query parameter that picks Your Feed on `/`, and its one value.
pub const FEED: &str = "feed";
pub const FOLLOWING: &str = "following";
/// The query parameter of a list's page number (1 has none).
pub const PAGE: &str = "page";
/// The query parameter of an article page naming the comment after which
/// the shown window of comments starts.
pub const COMMENTS_AFTER: &str = "comments_after";
/// The default avatar, for profiles without an image (FRONTEND.md, "Avatars").
pub const DEFAULT_AVATAR: &str = "/default-avatar.svg";

pub fn profile(username: &str) -> String {
    format!("/profile/{}", encode_segment(username))
}

pub fn profile_favorites(username: &str) -> String {
    format!("{}/favorites", profile(username))
}

pub fn article(slug: &str) -> String {
    format!("/article/{}", encode_segment(slug))
}

/// An article's page showing the window of comments after comment `after`.
pub fn article_comments_after(slug: &str, after: i64) -> String {
    format!("{}?{COMMENTS_AFTER}={after}", article(slug))
}

pub fn editor(slug: &str) -> String {
    format!("/editor/{}", encode_segment(slug))
}

pub fn tag(tag: &str) -> String {
    format!("/tag/{}", encode_segment(tag))
}

/// The sign-in page, coming back to `path` afterwards.
pub fn sign_in_then(path: &str) -> String {
    format!("{LOGIN}?{REDIRECT}={}", encode_segment(path))
}

/// The sign-up page, coming back to `path` afterwards.
pub fn sign_up_then(path: &str) -> String {
    format!("{REGISTER}?{REDIRECT}={}", encode_segment(path))
}

/// The query parameter (and form field) naming where to go after signing in.
pub const REDIRECT: &str = "redirect";

/// Where to go after signing in: `requested` when it is a path on this
/// site, else home; never another site (an open redirect). Only visible
/// ASCII passes: browsers drop tabs and newlines from a `Location` before
/// reading it (`/<tab>/evil.example` is `//evil.example`), a control
/// character cannot be sent as a header at all, and the app's own paths
/// are percent-encoded.
pub fn after_sign_in(requested: &str) -> String {
    let local = requested.starts_with('/')
        && !requested.starts_with("//")
        && requested
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'\\');
    if local {
        requested.to_owned()
    } else {
        HOME.to_owned()
    }
}

/// Page `page` of the list `query` shows, on the route that shows it.
/// Page 1 has no `page` parameter, so each page has one URL.
pub fn list_page(query: &ListQuery, page: u32) -> String {
    let filter = &query.filter;
    let base = if let Some(tag) = &filter.tag {
        self::tag(tag)
    } else if let Some(author) = &filter.author {
        profile(author)
    } else if let Some(user) = &filter.favorited {
        profile_favorites(user)
    } else if query.following {
        YOUR_FEED.to_owned()
    } else {
        HOME.to_owned()
    };
    match (page, base.contains('?')) {
        (0 | 1, _) => base,
        (page, true) => format!("{base}&{PAGE}={page}"),
        (page, false) => format!("{base}?{PAGE}={page}"),
    }
}

/// The page number in a `page` query parameter: 1 when absent or not a
/// positive number.
pub fn page_number(raw: Option<&str>) -> u32 {
    raw.and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// A path segment with everything but unreserved characters percent-encoded.
pub fn encode_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// A route parameter as typed: decodes percent-escapes.
pub fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ListFilter;

    #[test]
    fn segments_round_trip() {
        for tag in ["rust", "c++", "a b/c?d#e", "café"] {
            assert_eq!(decode_segment(&encode_segment(tag)), tag);
        }
        assert_eq!(encode_segment("a b"), "a%20b");
    }

    #[test]
    fn profile_urls_are_encoded() {
        assert_eq!(profile("jo doe"), "/profile/jo%20doe");
        assert_eq!(profile_favorites("jo"), "/profile/jo/favorites");
    }

    #[test]
    fn list_pages_keep_their_list_and_drop_page_one() {
        let tagged = ListQuery {
            filter: ListFilter {
                tag: Some("c++".into()),
                ..ListFilter::default()
            },
            ..ListQuery::default()
        };
        assert_eq!(list_page(&tagged, 1), "/tag/c%2B%2B");
        assert_eq!(list_page(&tagged, 3), "/tag/c%2B%2B?page=3");
        let feed = ListQuery {
            following: true,
            ..ListQuery::default()
        };
        assert_eq!(list_page(&feed, 2), "/?feed=following&page=2");
        assert_eq!(list_page(&ListQuery::default(), 2), "/?page=2");
    }

    #[test]
    fn sign_in_comes_back_only_within_the_site() {
        assert_eq!(
            sign_in_then("/article/a-b"),
            "/login?redirect=%2Farticle%2Fa-b"
        );
        assert_eq!(after_sign_in("/article/a-b"), "/article/a-b");
        assert_eq!(
            after_sign_in("/profile/caf%C3%A9?x=1"),
            "/profile/caf%C3%A9?x=1"
        );
        for elsewhere in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{1}",
            "/ /evil.example",
            "/profile/café",
            "",
        ] {
            assert_eq!(after_sign_in(elsewhere), "/", "{elsewhere}");
        }
    }

    #[test]
    fn page_numbers_default_to_one() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("x")), 1);
        assert_eq!(page_number(Some("4")), 4);
    }
}
