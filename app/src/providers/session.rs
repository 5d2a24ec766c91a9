//! The visitor's session as the UI sees it: who is signed in, what is known
//! of it yet, and the actions that change that.

use leptos::prelude::*;

use crate::data::{self, Write};
use crate::models::SessionUser;
use crate::rpc::users::{Login, Logout, Register, SignOutEverywhere, UpdateSettings};

/// What is known of who is signed in (SPA.md, "Start-up check"; the
/// server-rendered build knows at once, but for an unreachable database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthState {
    /// Still asking.
    Loading,
    Authenticated,
    Unauthenticated,
    /// The question could not be answered; asked again shortly.
    Unavailable,
}

impl AuthState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loading => "loading",
            Self::Authenticated => "authenticated",
            Self::Unauthenticated => "unauthenticated",
            Self::Unavailable => "unavailable",
        }
    }
}

#[derive(Clone, Copy)]
pub struct Session {
    state: Signal<AuthState>,
    user: Signal<Option<SessionUser>>,
    pub login: Write<Login>,
    pub register: Write<Register>,
    pub logout: Write<Logout>,
    pub update_settings: Write<UpdateSettings>,
    pub sign_out_everywhere: Write<SignOutEverywhere>,
}

impl Session {
    /// Creates the session and provides it to the component tree.
    pub fn provide() -> Self {
        data::start_session();
        let login = data::write::<Login>();
        let register = data::write::<Register>();
        let logout = data::write::<Logout>();
        let update_settings = data::write::<UpdateSettings>();
        let sign_out_everywhere = data::write::<SignOutEverywhere>();
        let (state, user) = data::signed_in_state();
        let session = Self {
            state,
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

    /// What is known of who is signed in (tracked).
    pub fn state(&self) -> AuthState {
        self.state.get()
    }

    /// The signed-in user, once known (tracked).
    pub fn current(&self) -> Option<SessionUser> {
        self.user.get()
    }

    /// The signed-in user's name, once known (tracked).
    pub fn username(&self) -> Option<String> {
        self.current().map(|u| u.username)
    }

    /// Who is signed in, or `None` while that is not known yet (still
    /// asking, or unable to ask): pages that need an account wait for it
    /// before sending a visitor away.
    pub fn known(&self) -> Option<Option<SessionUser>> {
        match self.state.get() {
            AuthState::Authenticated => Some(self.user.get()),
            AuthState::Unauthenticated => Some(None),
            AuthState::Loading | AuthState::Unavailable => None,
        }
    }
}
