use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Profile;

/// An article. In lists `body` is `None` and the key is absent from the JSON (API.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    #[serde(with = "super::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "super::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

/// One page of articles and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub articles_count: i64,
}

/// Which articles a list shows. Usernames are matched without regard to case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListFilter {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub favorited: Option<String>,
}

/// A window into a list: `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

impl Window {
    /// API default page size (API.md).
    pub const DEFAULT_LIMIT: i64 = 20;
    /// Largest window a client may ask for; larger requests are capped.
    pub const MAX_LIMIT: i64 = 100;
    /// Deepest offset served: walking further down an index costs more per
    /// request the deeper it goes, and nobody reads page 1,000 of a list.
    pub const MAX_OFFSET: i64 = 10_000;

    /// A window from optional raw query values; `limit` is capped at
    /// [`Window::MAX_LIMIT`]. Values that are not non-negative integers, and
    /// offsets past [`Window::MAX_OFFSET`], are rejected per key (422).
    pub fn parse(
        limit: Option<&str>,
        offset: Option<&str>,
    ) -> Result<Self, crate::error::AppError> {
        let limit = parse_count("limit", limit)?.unwrap_or(Self::DEFAULT_LIMIT);
        let offset = parse_count("offset", offset)?.unwrap_or(0);
        Self::new(limit.min(Self::MAX_LIMIT), offset)
    }

    /// A window, or 422 when it starts past [`Window::MAX_OFFSET`].
    pub fn new(limit: i64, offset: i64) -> Result<Self, crate::error::AppError> {
        if offset > Self::MAX_OFFSET {
            return Err(crate::error::AppError::invalid(
                "offset",
                &format!("must be at most {}", Self::MAX_OFFSET),
            ));
        }
        Ok(Self { limit, offset })
    }
}

pub(super) fn parse_count(
    key: &str,
    raw: Option<&str>,
) -> Result<Option<i64>, crate::error::AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n)),
            _ => Err(crate::error::AppError::invalid(
                key,
                "must be a non-negative integer",
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_defaults_to_twenty_from_the_start() {
        assert_eq!(
            Window::parse(None, None).unwrap(),
            Window {
                limit: 20,
                offset: 0
            }
        );
    }

    #[test]
    fn window_caps_large_limits() {
        assert_eq!(
            Window::parse(Some("5000"), None).unwrap().limit,
            Window::MAX_LIMIT
        );
    }

    #[test]
    fn window_rejects_offsets_past_the_bound() {
        assert!(Window::parse(None, Some("10000")).is_ok());
        let error = Window::parse(None, Some("10001")).unwrap_err();
        assert_eq!(error.status_code(), 422);
        assert_eq!(error.messages(), ["offset must be at most 10000"]);
    }

    #[test]
    fn window_rejects_negative_and_non_numeric_values() {
        for (limit, offset) in [(Some("-1"), None), (Some("ten"), None), (None, Some("-5"))] {
            assert_eq!(Window::parse(limit, offset).unwrap_err().status_code(), 422);
        }
    }

    #[test]
    fn list_items_have_no_body_key() {
        let article = Article {
            slug: "s".into(),
            title: "t".into(),
            description: "d".into(),
            body: None,
            tag_list: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
            favorited: false,
            favorites_count: 0,
            author: Profile {
                username: "u".into(),
                bio: None,
                image: None,
                following: false,
            },
        };
        let json = serde_json::to_value(&article).unwrap();
        assert!(json.get("body").is_none());
        assert!(json.get("tagList").is_some());
    }
}
