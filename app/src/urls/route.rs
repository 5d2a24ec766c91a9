//! What a path names: the pages the app links to and the REST API's reads,
//! read back with their segments decoded. The caches key and tag stored
//! answers by it; nothing else splits a path.

use super::{decode_segment, COMMENTS_AFTER, FEED, PAGE, REDIRECT};

/// A page or an API resource, from its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: the global list, or Your Feed.
    Home,
    /// `/tag/:tag`
    Tag(String),
    /// `/article/:slug`
    Article(String),
    /// `/profile/:username`
    Profile(String),
    /// `/profile/:username/favorites`
    ProfileFavorites(String),
    /// `/login`
    Login,
    /// `/register`
    Register,
    /// `GET /api/articles`: any list, by its filters.
    ApiArticles,
    /// `GET /api/articles/feed`
    ApiFeed,
    /// `GET /api/articles/:slug`
    ApiArticle(String),
    /// `GET /api/articles/:slug/comments`
    ApiComments(String),
    /// `GET /api/profiles/:username`
    ApiProfile(String),
    /// `GET /api/tags`
    ApiTags,
    /// Anything else: the signed-in pages, server functions, unknown paths.
    Other,
}

impl Route {
    pub fn parse(path: &str) -> Self {
        let segments: Vec<String> = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(decode_segment)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            [""] => Self::Home,
            ["tag", tag] => Self::Tag((*tag).to_owned()),
            ["article", slug] => Self::Article((*slug).to_owned()),
            ["profile", name] => Self::Profile((*name).to_owned()),
            ["profile", name, "favorites"] => Self::ProfileFavorites((*name).to_owned()),
            ["login"] => Self::Login,
            ["register"] => Self::Register,
            ["api", rest @ ..] => Self::api(rest),
            _ => Self::Other,
        }
    }

    fn api(segments: &[&str]) -> Self {
        match segments {
            ["articles"] => Self::ApiArticles,
            ["articles", "feed"] => Self::ApiFeed,
            ["articles", slug] => Self::ApiArticle((*slug).to_owned()),
            ["articles", slug, "comments"] => Self::ApiComments((*slug).to_owned()),
            ["profiles", name] => Self::ApiProfile((*name).to_owned()),
            ["tags"] => Self::ApiTags,
            _ => Self::Other,
        }
    }

    /// Whether this is the REST API's (answered in JSON, with CORS headers).
    pub fn is_api(&self) -> bool {
        matches!(
            self,
            Self::ApiArticles
                | Self::ApiFeed
                | Self::ApiArticle(_)
                | Self::ApiComments(_)
                | Self::ApiProfile(_)
                | Self::ApiTags
        )
    }

    /// The query parameters this route reads, in the order a canonical URL
    /// lists them; it ignores any other.
    pub fn parameters(&self) -> &'static [&'static str] {
        match self {
            Self::Home => &[FEED, PAGE],
            Self::Tag(_) | Self::Profile(_) | Self::ProfileFavorites(_) => &[PAGE],
            Self::Article(_) => &[COMMENTS_AFTER],
            Self::Login | Self::Register => &[REDIRECT],
            Self::ApiArticles => &["author", "favorited", "limit", "offset", "tag"],
            Self::ApiFeed => &["limit", "offset"],
            Self::ApiComments(_) => &["after", "limit"],
            Self::ApiArticle(_) | Self::ApiProfile(_) | Self::ApiTags | Self::Other => &[],
        }
    }

    /// The path in its canonical spelling (every segment encoded as the
    /// app's links encode it); `None` for [`Route::Other`], which has none.
    pub fn path(&self) -> Option<String> {
        use super::{article, encode_segment, profile, profile_favorites, tag};
        Some(match self {
            Self::Home => super::HOME.to_owned(),
            Self::Tag(name) => tag(name),
            Self::Article(slug) => article(slug),
            Self::Profile(name) => profile(name),
            Self::ProfileFavorites(name) => profile_favorites(name),
            Self::Login => super::LOGIN.to_owned(),
            Self::Register => super::REGISTER.to_owned(),
            Self::ApiArticles => "/api/articles".to_owned(),
            Self::ApiFeed => "/api/articles/feed".to_owned(),
            Self::ApiArticle(slug) => format!("/api/articles/{}", encode_segment(slug)),
            Self::ApiComments(slug) => format!("/api/articles/{}/comments", encode_segment(slug)),
            Self::ApiProfile(name) => format!("/api/profiles/{}", encode_segment(name)),
            Self::ApiTags => "/api/tags".to_owned(),
            Self::Other => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_with_their_segments_decoded() {
        assert_eq!(Route::parse("/"), Route::Home);
        assert_eq!(
            Route::parse("/article/how%2Dto"),
            Route::Article("how-to".into())
        );
        assert_eq!(
            Route::parse("/profile/caf%C3%A9/favorites"),
            Route::ProfileFavorites("café".into())
        );
        assert_eq!(
            Route::parse("/api/articles/a%20b/comments"),
            Route::ApiComments("a b".into())
        );
        assert_eq!(Route::parse("/api/articles/feed"), Route::ApiFeed);
        assert_eq!(Route::parse("/article/a/b"), Route::Other);
        assert_eq!(Route::parse("/rpc/comments"), Route::Other);
    }

    #[test]
    fn a_route_is_written_back_the_way_the_app_links_to_it() {
        for path in [
            "/",
            "/tag/c%2B%2B",
            "/article/how-to",
            "/profile/jo%20doe/favorites",
            "/api/articles/a%2Fb/comments",
            "/api/profiles/jake",
        ] {
            assert_eq!(Route::parse(path).path().as_deref(), Some(path));
        }
        assert_eq!(
            Route::parse("/tag/c++").path().as_deref(),
            Some("/tag/c%2B%2B")
        );
    }
}
