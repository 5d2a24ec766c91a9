use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Profile;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    #[serde(with = "super::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "super::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub body: String,
    pub author: Profile,
}

/// A window of an article's comments, oldest first, and the id to ask for
/// the next one after (`None` when this is the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentWindow {
    pub comments: Vec<Comment>,
    pub next_after: Option<i64>,
}

/// Which comments to read: at most `limit` after the comment `after`
/// (keyset paging: as cheap deep in a thread as at its start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommentQuery {
    pub after: Option<i64>,
    pub limit: i64,
}

impl CommentQuery {
    /// Comments the web UI shows at once.
    pub const PAGE: i64 = 50;
    /// Most comments one API request returns (also its default).
    pub const MAX_LIMIT: i64 = 100;

    /// The first window the web UI shows.
    pub fn first() -> Self {
        Self {
            after: None,
            limit: Self::PAGE,
        }
    }

    /// From optional raw query values; a missing or larger `limit` is
    /// [`CommentQuery::MAX_LIMIT`]. Anything but non-negative integers is 422.
    pub fn parse(after: Option<&str>, limit: Option<&str>) -> Result<Self, crate::error::AppError> {
        let after = super::article::parse_count("after", after)?;
        let limit = super::article::parse_count("limit", limit)?
            .unwrap_or(Self::MAX_LIMIT)
            .min(Self::MAX_LIMIT);
        Ok(Self { after, limit })
    }
}
