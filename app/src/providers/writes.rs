//! Writes to content: the actions the forms make. In the SPA, pages re-read
//! their data after one; in the server-rendered build the server answers a
//! write with the next page.

use leptos::prelude::*;

use crate::data::{self, Write};
use crate::error::AppError;
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
        let writes = Self {
            set_favorite: data::write(),
            set_following: data::write(),
            add_comment: data::write(),
            delete_comment: data::write(),
            delete_article: data::write(),
            save_article: data::write(),
        };
        provide_context(writes);
        writes
    }

    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Changes whenever one of the writes completes (tracks all of them).
    pub fn version(&self) -> usize {
        self.set_favorite.version().get()
            + self.set_following.version().get()
            + self.add_comment.version().get()
            + self.delete_comment.version().get()
    }

    /// The failure of the last of the deleting and commenting writes to
    /// finish, for the article page's one error list (SPA.md: at most one
    /// `.error-messages` a page).
    pub fn article_error(&self) -> Signal<Option<AppError>> {
        let (add, delete, remove) = (self.add_comment, self.delete_comment, self.delete_article);
        let last = RwSignal::new(None::<AppError>);
        for value in [add.value(), delete.value(), remove.value()] {
            Effect::new(move |seen: Option<()>| {
                let result = value.get();
                if seen.is_some() {
                    last.set(result.and_then(Result::err));
                }
            });
        }
        last.into()
    }
}
