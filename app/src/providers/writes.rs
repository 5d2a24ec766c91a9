//! Writes to content: the actions the forms make. In the SPA, pages re-read
//! their data after one; in the server-rendered build the server answers a
//! write with the next page.

use leptos::prelude::*;

use crate::data::{self, Write};
use crate::rpc::articles::{DeleteArticle, SaveArticle, SetFavorite};
use crate::rpc::comments::{AddComment, DeleteComment};
use crate::rpc::profiles::SetFollowing;

/// The actions whose completion makes shown content stale: any of them
/// finishing bumps [`Writes::version`], which pages' resources track.
#[derive(Clone, Copy)]
pub struct Writes {
    pub set_favorite: Write<SetFavorite>,
    pub set_following: Write<SetFollowing>,
    pub add_comment: Write<AddComment>,
    pub delete_comment: Write<DeleteComment>,
    pub delete_article: Write<DeleteArticle>,
    pub save_article: Write<SaveArticle>,
}

impl Writes {
    pub fn provide() -> Self {
        let writes = Self::new();
        provide_context(writes);
        writes
    }

    fn new() -> Self {
        Self {
            set_favorite: data::write(),
            set_following: data::write(),
            add_comment: data::write(),
            delete_comment: data::write(),
            delete_article: data::write(),
            save_article: data::write(),
        }
    }

    /// The writes. In the server-rendered build they hold nothing (each is
    /// the server function a form names), so no context is read: a render
    /// that outlives its request (the client left) finds none to read.
    pub fn get() -> Self {
        #[cfg(feature = "csr")]
        {
            expect_context::<Self>()
        }
        #[cfg(not(feature = "csr"))]
        {
            Self::new()
        }
    }

    /// Changes whenever a write completes that changes what the article,
    /// list and profile pages read (tracks each). A deleted comment is taken
    /// off its page without reading the comments again.
    pub fn version(&self) -> usize {
        #[cfg(feature = "csr")]
        {
            self.set_favorite.version().get()
                + self.set_following.version().get()
                + self.add_comment.version().get()
        }
        #[cfg(not(feature = "csr"))]
        0
    }
}
