//! Writes to content that pages re-read after.

use leptos::prelude::*;

use crate::rpc::articles::SetFavorite;
use crate::rpc::comments::{AddComment, DeleteComment};
use crate::rpc::profiles::SetFollowing;

/// The actions whose completion makes shown content stale: any of them
/// finishing bumps [`Writes::version`], which pages' resources track.
#[derive(Clone, Copy)]
pub struct Writes {
    pub set_favorite: ServerAction<SetFavorite>,
    pub set_following: ServerAction<SetFollowing>,
    pub add_comment: ServerAction<AddComment>,
    pub delete_comment: ServerAction<DeleteComment>,
}

impl Writes {
    pub fn provide() -> Self {
        let writes = Self {
            set_favorite: ServerAction::new(),
            set_following: ServerAction::new(),
            add_comment: ServerAction::new(),
            delete_comment: ServerAction::new(),
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
}
