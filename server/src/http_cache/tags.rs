//! What a stored response shows, as tags (a CDN would call them surrogate
//! keys), so that a change drops the responses that show what it touched and
//! leaves the rest warm: one author editing their bio in a loop must not
//! keep every instance cold.
//!
//! Tags come from what the response links to or embeds, in the two shapes
//! the app writes: `href="/article/<slug>"` and `href="/profile/<name>"` in
//! HTML, `"slug":"…"` and `"username":"…"` in JSON. Anything that shows an
//! article or a profile links to it or names it, except an article's own
//! page, which is tagged by its path.

use app::backend::cache::Change;
use app::models::Username;
use app::urls;

/// The tags of the response stored under `key` (method, URI, origin) with `body`.
pub fn of(key: &str, body: &[u8]) -> Vec<String> {
    let mut tags = Vec::new();
    let uri = key.split(' ').nth(1).unwrap_or_default();
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let Some(slug) = comments_of(&segments, query) {
        tags.push(comments(&slug));
    }
    // It shows the article's favorites count, and links to itself nowhere.
    if let ["article", slug] = segments.as_slice() {
        tags.push(article(&urls::decode_segment(slug)));
    }
    // Any list of someone's favorites: `/profile/x/favorites`,
    // `?favorited=x`, and the server function's own query string.
    if uri.contains("favorite") {
        tags.push(FAVORITES.to_owned());
    }
    let text = String::from_utf8_lossy(body);
    for slug in values_after(&text, "href=\"/article/", &['"']).chain(values_after(
        &text,
        "\"slug\":\"",
        &['"'],
    )) {
        tags.push(article(&urls::decode_segment(slug)));
    }
    for name in values_after(&text, "href=\"/profile/", &['"', '/']).chain(values_after(
        &text,
        "\"username\":\"",
        &['"'],
    )) {
        tags.push(author(&urls::decode_segment(name)));
    }
    tags.sort();
    tags.dedup();
    tags
}

/// The tags `change` makes stale; `None` when every response may be (a new
/// or edited article can enter or leave any list).
pub fn stale(change: &Change) -> Option<Vec<String>> {
    match change {
        Change::Article { .. } | Change::ArticleDeleted { .. } => None,
        Change::Favorites { slug, .. } => Some(vec![article(slug), FAVORITES.to_owned()]),
        Change::Comments { slug, .. } => Some(vec![comments(slug)]),
        Change::Author { usernames, .. } => Some(usernames.iter().map(|u| author(u)).collect()),
        // Only answers rendered for that user carry their tag.
        Change::Sessions { user_id } | Change::Reader { user_id } => Some(vec![reader(*user_id)]),
    }
}

/// The tag of every answer rendered for one signed-in user.
pub fn reader(user_id: i64) -> String {
    format!("reader:{user_id}")
}

const FAVORITES: &str = "favorites";

fn article(slug: &str) -> String {
    format!("article:{slug}")
}

fn comments(slug: &str) -> String {
    format!("comments:{slug}")
}

fn author(name: &str) -> String {
    format!("author:{}", Username::key_of(name))
}

/// The article whose comments a response at the path of `segments` (with
/// `query`) shows: its page, its comments in the API, or the server function
/// that reads them.
fn comments_of(segments: &[&str], query: &str) -> Option<String> {
    match segments {
        ["article", slug] | ["api", "articles", slug, "comments"] => {
            Some(urls::decode_segment(slug))
        }
        ["rpc", "comments"] => query
            .split('&')
            .find_map(|pair| pair.strip_prefix("slug="))
            .map(urls::decode_segment),
        _ => None,
    }
}

/// Every value that follows `marker` in `text`, up to the first of `ends`.
fn values_after<'a>(
    text: &'a str,
    marker: &'a str,
    ends: &'a [char],
) -> impl Iterator<Item = &'a str> + 'a {
    text.match_indices(marker).filter_map(move |(at, _)| {
        let rest = &text[at + marker.len()..];
        let end = rest.find(ends)?;
        let value = &rest[..end];
        (!value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_tagged_with_what_it_links_to() {
        let page = br#"<a href="/article/how-to"><a href="/profile/Jake"><a href="/profile/Jake/favorites">"#;
        let tags = of("GET /article/how-to ", page);
        assert_eq!(tags, ["article:how-to", "author:jake", "comments:how-to"]);
    }

    #[test]
    fn an_article_page_is_tagged_with_its_article() {
        let page = br#"<a href="/profile/jake">jake</a>"#;
        let tags = of("GET /article/how%20to?comments_after=3 ", page);
        assert_eq!(tags, ["article:how to", "author:jake", "comments:how to"]);
    }

    #[test]
    fn json_is_tagged_with_what_it_embeds() {
        let json = br#"{"article":{"slug":"a-b","author":{"username":"anna"}}}"#;
        let tags = of("GET /api/articles?favorited=anna ", json);
        assert_eq!(tags, ["article:a-b", "author:anna", "favorites"]);
    }

    #[test]
    fn a_bio_edit_makes_stale_only_what_shows_its_author() {
        let change = Change::Author {
            id: 1,
            usernames: vec!["Jake".into(), "jake2".into()],
        };
        assert_eq!(stale(&change).unwrap(), ["author:jake", "author:jake2"]);
        let article = Change::Article {
            id: 1,
            slugs: vec![],
        };
        assert_eq!(stale(&article), None);
    }

    #[test]
    fn a_readers_write_or_sign_out_makes_stale_only_what_was_rendered_for_them() {
        assert_eq!(stale(&Change::Reader { user_id: 7 }).unwrap(), ["reader:7"]);
        assert_eq!(
            stale(&Change::Sessions { user_id: 7 }).unwrap(),
            ["reader:7"]
        );
    }
}
