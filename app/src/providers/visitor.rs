//! The visitor (whoever uses the web UI, signed in or not) as the UI sees
//! them: who is signed in, what is known of it yet, and the actions that
//! change that.

use leptos::prelude::*;

use crate::data::{self, Write};
use crate::models::{AuthState, SessionUser};
use crate::rpc::users::{Login, Logout, Register, SignOutEverywhere, UpdateSettings};

/// The visitor: provided by `App`, read by every page.
#[derive(Clone, Copy)]
pub struct Visitor {
    state: Signal<AuthState>,
    user: Signal<Option<SessionUser>>,
    pub login: Write<Login>,
    pub register: Write<Register>,
    pub logout: Write<Logout>,
    pub update_settings: Write<UpdateSettings>,
    pub sign_out_everywhere: Write<SignOutEverywhere>,
}

impl Visitor {
    /// Creates the session and provides it to the component tree.
    pub fn provide() -> Self {
        data::start_auth();
        let login = data::write::<Login>();
        let register = data::write::<Register>();
        let logout = data::write::<Logout>();
        let update_settings = data::write::<UpdateSettings>();
        let sign_out_everywhere = data::write::<SignOutEverywhere>();
        let (state, user) = data::signed_in_state();
        let visitor = Self {
            state,
            user,
            login,
            register,
            logout,
            update_settings,
            sign_out_everywhere,
        };
        provide_context(visitor);
        visitor
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

/// Whether pages may render (and so fetch their data) yet: in the SPA, not
/// while the start-up check of a stored token is out (SPA.md: "While
/// loading, fetch no page data and run no auth redirects"); the
/// server-rendered build always may (tracked).
pub fn ready() -> bool {
    #[cfg(feature = "csr")]
    {
        Visitor::get().state() != AuthState::Loading
    }
    #[cfg(not(feature = "csr"))]
    true
}
