//! What a stored response shows, as tags (a CDN would call them surrogate
//! keys), so that a change drops the responses that show what it touched and
//! leaves the rest warm: one author editing their bio in a loop must not
//! keep every instance cold.
//!
//! Tags come from what the response links to or embeds, in the two shapes
//! the app writes: `href="/article/<slug>"` and `href="/profile/<name>"` in
//! HTML, `"slug":"…"` and `"username":"…"` in JSON. Anything that shows an
//! article or a profile links to it or names it, except an article's own
//! page, which is tagged by its route (the [`ResponseKey`]'s, never the raw URI).

use app::backend::cache::Change;
use app::models::Username;
use app::urls::{self, Route};

use super::key::ResponseKey;

/// The tags of the response stored under `key` with `body`.
pub fn of(key: &ResponseKey, body: &[u8]) -> Vec<String> {
    let mut tags = Vec::new();
    match key.route() {
        // It shows the article's favorites count and its comments, and
        // links to itself nowhere.
        Route::Article(slug) => tags.extend([article(slug), comments(slug)]),
        Route::ApiComments(slug) => tags.push(comments(slug)),
        _ => {}
    }
    // A list: a new, edited or deleted article may enter it, leave it or
    // move it along.
    if matches!(
        key.route(),
        Route::Home
            | Route::Tag(_)
            | Route::Profile(_)
            | Route::ProfileFavorites(_)
            | Route::ApiArticles
            | Route::ApiFeed
            | Route::ApiTags
    ) {
        tags.push(LISTS.to_owned());
    }
    // Any list of someone's favorites.
    let favorites = match key.route() {
        Route::ProfileFavorites(_) => true,
        Route::ApiArticles => key.parameter("favorited").is_some(),
        _ => false,
    };
    if favorites {
        tags.push(FAVORITES.to_owned());
    }
    let text = String::from_utf8_lossy(body);
    for slug in values_after(&text, "href=\"/article/", &['"', '?']).chain(values_after(
        &text,
        "\"slug\":\"",
        &['"'],
    )) {
        tags.push(article(&urls::decode_segment(slug)));
    }
    for name in values_after(&text, "href=\"/profile/", &['"', '/', '?']).chain(values_after(
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

/// The tags `change` makes stale; `None` when every response may be.
pub fn stale(change: &Change) -> Option<Vec<String>> {
    match change {
        // Every list (it may enter or leave any of them), and what shows
        // or links to the article; the pages of other articles stay.
        Change::Article { slugs, .. } => Some(
            std::iter::once(LISTS.to_owned())
                .chain(slugs.iter().map(|slug| article(slug)))
                .collect(),
        ),
        Change::ArticleDeleted { slug, .. } => {
            Some(vec![LISTS.to_owned(), article(slug), comments(slug)])
        }
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
const LISTS: &str = "lists";

fn article(slug: &str) -> String {
    format!("article:{slug}")
}

fn comments(slug: &str) -> String {
    format!("comments:{slug}")
}

fn author(name: &str) -> String {
    format!("author:{}", Username::key_of(name))
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
    use super::super::key::CorsOrigins;
    use super::*;

    fn key(uri: &str) -> ResponseKey {
        ResponseKey::of(&uri.parse().unwrap(), None, &CorsOrigins::Any).unwrap()
    }

    #[test]
    fn a_page_is_tagged_with_what_it_links_to() {
        let page = br#"<a href="/article/how-to"><a href="/profile/Jake"><a href="/profile/Jake/favorites">"#;
        let tags = of(&key("/article/how-to"), page);
        assert_eq!(tags, ["article:how-to", "author:jake", "comments:how-to"]);
    }

    #[test]
    fn an_article_page_is_tagged_with_its_article_in_every_form_of_its_uri() {
        let page = br#"<a href="/profile/jake">jake</a>"#;
        let expected = ["article:how to", "author:jake", "comments:how to"];
        for uri in [
            "/article/how%20to?comments_after=3",
            "http://conduit.example/article/how%20to",
            "/article/how%20to?x=1",
        ] {
            assert_eq!(of(&key(uri), page), expected, "{uri}");
        }
    }

    #[test]
    fn json_is_tagged_with_what_it_embeds() {
        let json = br#"{"article":{"slug":"a-b","author":{"username":"anna"}}}"#;
        let tags = of(&key("/api/articles?fav%6Frited=anna"), json);
        assert_eq!(tags, ["article:a-b", "author:anna", "favorites", "lists"]);
        let comments = of(&key("/api/articles/a-b/comments"), b"{}");
        assert_eq!(comments, ["comments:a-b"]);
    }

    #[test]
    fn a_bio_edit_makes_stale_only_what_shows_its_author() {
        let change = Change::Author {
            id: 1,
            usernames: vec!["Jake".into(), "jake2".into()],
        };
        assert_eq!(stale(&change).unwrap(), ["author:jake", "author:jake2"]);
    }

    #[test]
    fn an_article_makes_stale_the_lists_and_itself_and_no_other_article() {
        let change = Change::Article {
            id: 1,
            slugs: vec!["old".into(), "new".into()],
        };
        assert_eq!(
            stale(&change).unwrap(),
            ["lists", "article:old", "article:new"]
        );
        let other = of(&key("/article/other"), b"<a href=\"/profile/anna\">");
        assert!(!other.contains(&"lists".to_owned()), "{other:?}");
        for list in [
            "/",
            "/tag/rust",
            "/profile/anna",
            "/api/articles?limit=5",
            "/api/tags",
        ] {
            assert!(of(&key(list), b"").contains(&"lists".to_owned()), "{list}");
        }
        let deleted = Change::ArticleDeleted {
            id: 1,
            slug: "gone".into(),
        };
        assert_eq!(
            stale(&deleted).unwrap(),
            ["lists", "article:gone", "comments:gone"]
        );
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
