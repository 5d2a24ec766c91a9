//! The visitor's session as the UI sees it: who is signed in, and the
//! actions that change that.

use leptos::prelude::*;

use crate::error::AppError;
use crate::models::SessionUser;
use crate::rpc::users::{current_user, Login, Logout, Register, SignOutEverywhere, UpdateSettings};

#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<Logout>,
    pub update_settings: ServerAction<UpdateSettings>,
    pub sign_out_everywhere: ServerAction<SignOutEverywhere>,
}

impl Session {
    /// Creates the session and provides it to the component tree.
    pub fn provide() -> Self {
        let login = ServerAction::<Login>::new();
        let register = ServerAction::<Register>::new();
        let logout = ServerAction::<Logout>::new();
        let update_settings = ServerAction::<UpdateSettings>::new();
        let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
        let user = Resource::new(
            move || {
                (
                    login.version().get(),
                    register.version().get(),
                    logout.version().get(),
                    update_settings.version().get(),
                    sign_out_everywhere.version().get(),
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
            sign_out_everywhere,
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

    /// The signed-in user's name, once known (tracks the resource).
    pub fn username(&self) -> Option<String> {
        self.current().map(|u| u.username)
    }
}
