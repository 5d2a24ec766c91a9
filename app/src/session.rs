//! The visitor's session as the UI sees it: who is signed in, and the
//! actions that change that. Provided once by `App`, read by any component.

use leptos::prelude::*;

use crate::error::AppError;
use crate::functions::articles::{AddComment, DeleteComment, SetFavorite};
use crate::functions::auth::{current_user, Login, Logout, Register, UpdateSettings};
use crate::functions::profiles::SetFollowing;
use crate::models::SessionUser;

#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<Logout>,
    pub update_settings: ServerAction<UpdateSettings>,
}

impl Session {
    /// Creates the session and provides it to the component tree.
    pub fn provide() -> Self {
        let login = ServerAction::<Login>::new();
        let register = ServerAction::<Register>::new();
        let logout = ServerAction::<Logout>::new();
        let update_settings = ServerAction::<UpdateSettings>::new();
        let user = Resource::new(
            move || {
                (
                    login.version().get(),
                    register.version().get(),
                    logout.version().get(),
                    update_settings.version().get(),
                )
            },
            |_| current_user(),
        );
        let session = Self {
            user,
            login,
            register,
            logout,
            update_settings,
        };
        provide_context(session);
        session
    }

    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// The signed-in user, once known (tracks the resource).
    pub fn current(&self) -> Option<SessionUser> {
        self.user.get().and_then(Result::ok).flatten()
    }

    /// Whether the visitor is signed in, once known.
    pub fn username(&self) -> Option<String> {
        self.current().map(|u| u.username)
    }
}

/// Writes to content that pages re-read after: any change bumps `version`.
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
