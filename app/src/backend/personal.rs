//! What one viewer has done to what a page shows: which of its articles they
//! favorited and which of its authors they follow. Shared entries leave both
//! false; this fills them in with one indexed query (favorites_pkey and
//! follows_pkey lookups) for a whole page, and none for anonymous readers.

use super::tokens::UserId;
use super::Services;
use crate::error::AppError;

#[derive(Debug, Default)]
pub struct Personal {
    favorited: Vec<i64>,
    following: Vec<i64>,
}

impl Personal {
    /// The viewer's favorites among `articles` and follows among `authors`.
    pub async fn load(
        state: &Services,
        viewer: Option<UserId>,
        articles: &[i64],
        authors: &[i64],
    ) -> Result<Self, AppError> {
        let Some(viewer) = viewer else {
            return Ok(Self::default());
        };
        if articles.is_empty() && authors.is_empty() {
            return Ok(Self::default());
        }
        let row = sqlx::query!(
            r#"select array(select article_id from favorites
                            where user_id = $1 and article_id = any($2)) as "favorited!",
                      array(select followed_id from follows
                            where follower_id = $1 and followed_id = any($3)) as "following!""#,
            viewer.0,
            articles,
            authors,
        )
        .fetch_one(state.reads()?)
        .await?;
        Ok(Self {
            favorited: row.favorited,
            following: row.following,
        })
    }

    pub fn favorited(&self, article_id: i64) -> bool {
        self.favorited.contains(&article_id)
    }

    pub fn follows(&self, author_id: i64) -> bool {
        self.following.contains(&author_id)
    }
}
