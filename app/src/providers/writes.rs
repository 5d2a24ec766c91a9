//! Writes to content: the actions the forms make. In the SPA, pages re-read
//! their data after one; in the server-rendered build the server answers a
//! write with the next page.

use leptos::prelude::*;

use crate::data::{self, Write};
use crate::rpc::articles::{DeleteArticle, SaveArticle, SetFavorite};
use crate::rpc::comments::{AddComment, DeleteComment};
use crate::rpc::profiles::SetFollowing;

/// The actions whose success makes shown content stale: each one that
/// succeeds bumps [`Writes::version`], which pages' resources track.
#[derive(Clone, Copy)]
pub struct Writes {
    pub set_favorite: Write<SetFavorite>,
    pub set_following: Write<SetFollowing>,
    pub add_comment: Write<AddComment>,
    pub delete_comment: Write<DeleteComment>,
    pub delete_article: Write<DeleteArticle>,
    pub save_article: Write<SaveArticle>,
    /// How many of the writes pages re-read after have succeeded (SPA).
    #[cfg(feature = "csr")]
    succeeded: RwSignal<usize>,
}

impl Writes {
    pub fn provide() -> Self {
        let writes = Self::new();
        #[cfg(feature = "csr")]
        {
            count_successes(writes.set_favorite, writes.succeeded);
            count_successes(writes.set_following, writes.succeeded);
            count_successes(writes.add_comment, writes.succeeded);
        }
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
            #[cfg(feature = "csr")]
            succeeded: RwSignal::new(0),
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

    /// Changes whenever a write succeeds that changes what the article,
    /// list and profile pages read (tracked). A failed one changes nothing,
    /// so the page and what was typed into it stay; a deleted comment is
    /// taken off its page without reading the comments again.
    pub fn version(&self) -> usize {
        #[cfg(feature = "csr")]
        {
            self.succeeded.get()
        }
        #[cfg(not(feature = "csr"))]
        0
    }
}

/// Bumps `succeeded` each time `action` finishes with success.
#[cfg(feature = "csr")]
fn count_successes<S: Send + Sync + 'static>(action: Write<S>, succeeded: RwSignal<usize>) {
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        let ok = matches!(action.value().get_untracked(), Some(Ok(_)));
        if seen.is_some_and(|seen| seen != version) && ok {
            succeeded.update(|n| *n += 1);
        }
        version
    });
}
