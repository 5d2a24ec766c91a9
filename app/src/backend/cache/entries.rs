//! What the data tiers hold: records as every reader sees them, with
//! `favorited` and `following` left false and the ids needed to fill them in
//! per request. The services build them; the cache only stores and weighs them.

use chrono::{DateTime, Utc};

use super::tier::{Weigh, HEADER_BYTES};
use crate::models::{Article, Comment, Profile};

/// An article, plus the ids that personalising it needs.
#[derive(Clone, Debug)]
pub struct SharedArticle {
    pub id: i64,
    pub author_id: i64,
    pub article: Article,
}

/// One page of a list of articles, and the number of matches in all.
#[derive(Clone, Debug)]
pub struct SharedList {
    pub articles: Vec<SharedArticle>,
    pub total: i64,
}

/// Where every hundredth article of a list stands (its `created_at` and
/// id, in the list's order), down to the API's offset cap: a deep page
/// starts from the nearest one instead of walking every article before it.
#[derive(Clone, Debug)]
pub struct Anchors(pub Vec<(DateTime<Utc>, i64)>);

/// The list a set of [`Anchors`] is of.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Listed {
    /// Every article.
    All,
    /// One tag's, by name.
    Tag(String),
    /// One author's, by id: a renamed author keeps theirs, and a name
    /// someone else takes up gets its own.
    Author(i64),
}

/// A comment, plus its author's id.
#[derive(Clone, Debug)]
pub struct SharedComment {
    pub author_id: i64,
    pub comment: Comment,
}

/// A profile, plus the user's id.
#[derive(Clone, Debug)]
pub struct SharedProfile {
    pub id: i64,
    pub profile: Profile,
}

/// Which of a user's tokens are valid: those of the current epoch, and
/// those of the session that last changed the password, but for sessions
/// signed out before their token expired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSessions {
    pub epoch: i32,
    pub kept_session: Option<String>,
    pub signed_out: Vec<String>,
}

/// The key of a cached first page: the global list (`tag: None`) or one tag's.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct ListKey {
    pub tag: Option<String>,
    pub limit: i64,
}

impl Weigh for ListKey {
    fn weigh(&self) -> usize {
        self.tag.weigh() + 8
    }
}

impl Weigh for SharedArticle {
    fn weigh(&self) -> usize {
        let a = &self.article;
        let text = a.slug.len()
            + a.title.len()
            + a.description.len()
            + a.body.as_ref().map_or(0, String::len)
            + a.tag_list
                .iter()
                .map(|t| t.len() + HEADER_BYTES)
                .sum::<usize>();
        // The struct itself: ids, timestamps, counts and string headers.
        text + a.author.weigh() + 160
    }
}

impl Weigh for SharedList {
    fn weigh(&self) -> usize {
        8 + self.articles.weigh()
    }
}

impl Weigh for Anchors {
    fn weigh(&self) -> usize {
        HEADER_BYTES + self.0.len() * 16
    }
}

impl Weigh for Listed {
    fn weigh(&self) -> usize {
        match self {
            Self::Tag(name) => 8 + name.weigh(),
            Self::All | Self::Author(_) => 16,
        }
    }
}

impl Weigh for SharedComment {
    fn weigh(&self) -> usize {
        let c = &self.comment;
        // Ids, timestamps and the body's header besides the texts.
        c.body.len() + c.author.weigh() + 64
    }
}

impl Weigh for UserSessions {
    fn weigh(&self) -> usize {
        self.kept_session.weigh() + self.signed_out.weigh() + 8
    }
}

impl Weigh for SharedProfile {
    fn weigh(&self) -> usize {
        self.profile.weigh()
    }
}

/// Also embedded as the author of shared articles and comments.
impl Weigh for Profile {
    fn weigh(&self) -> usize {
        let text = self.username.len()
            + self.bio.as_ref().map_or(0, String::len)
            + self.image.as_ref().map_or(0, String::len);
        // The struct itself and its string headers.
        text + 96
    }
}
