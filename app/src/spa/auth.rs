//! Who is signed in, as the SPA knows it (SPA.md, "Token" and "Start-up
//! check"): the token in `localStorage` under `jwtToken`, checked with
//! `GET /user` at every start, and retried while the API cannot be reached.

use std::time::Duration;

use leptos::prelude::*;

use super::api::{self, Call};
use crate::error::AppError;
use crate::models::AuthState;
use crate::models::{SessionUser, User};

const TOKEN_KEY: &str = "jwtToken";
/// How long the start-up check waits for `GET /user` before "Connecting…".
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries of the check while the API cannot be reached: 2, 4, 8, then every 16 s.
const RETRIES: [u64; 4] = [2, 4, 8, 16];

/// The signed-in state, shared by every component (cheap to copy).
#[derive(Clone, Copy)]
pub struct Auth {
    state: RwSignal<AuthState>,
    /// The last user the API answered with, token included.
    user: RwSignal<Option<User>>,
}

impl Auth {
    /// Reads the stored token and starts checking it.
    pub fn start() -> Self {
        let auth = Self {
            state: RwSignal::new(AuthState::Unauthenticated),
            user: RwSignal::new(None),
        };
        if let Some(token) = stored_token() {
            auth.state.set(AuthState::Loading);
            auth.check(token, 0);
        }
        auth
    }

    pub fn state(&self) -> AuthState {
        self.state.get()
    }

    pub fn state_untracked(&self) -> AuthState {
        self.state.get_untracked()
    }

    /// The signed-in user as the pages see it (tracked).
    pub fn current(&self) -> Option<SessionUser> {
        match self.state.get() {
            AuthState::Authenticated => self.user.get().map(SessionUser::from),
            _ => None,
        }
    }

    /// The last user reply, for the debug hook (not tracked).
    pub fn user_untracked(&self) -> Option<User> {
        self.user.get_untracked()
    }

    /// The token to send: only while signed in (SPA.md).
    pub fn token(&self) -> Option<String> {
        match self.state.get_untracked() {
            AuthState::Authenticated => stored_token(),
            _ => None,
        }
    }

    /// After a sign-in, sign-up or settings change: keep the user and its token.
    pub fn signed_in(&self, user: User) {
        store_token(Some(&user.token));
        self.user.set(Some(user));
        self.state.set(AuthState::Authenticated);
    }

    pub fn signed_out(&self) {
        store_token(None);
        self.user.set(None);
        self.state.set(AuthState::Unauthenticated);
    }

    /// `GET /user` with `token`; on no answer, again after the next delay.
    fn check(self, token: String, attempt: usize) {
        leptos::task::spawn_local(async move {
            let call = Call {
                token: Some(token.clone()),
                timeout: Some(CHECK_TIMEOUT),
                ..Call::default()
            };
            let reply = api::send("GET", "/user", call).await;
            // A sign-in or sign-out while the check was out decides instead.
            if !matches!(
                self.state.get_untracked(),
                AuthState::Loading | AuthState::Unavailable
            ) {
                return;
            }
            match reply.and_then(|answer| answer.json::<serde_json::Value>()) {
                Ok(body) => match user_in(&body, &token) {
                    Some(user) => self.signed_in(user),
                    None => self.unavailable(token, attempt),
                },
                Err(AppError::Reported { status, .. }) if (400..500).contains(&status) => {
                    self.signed_out()
                }
                Err(_) => self.unavailable(token, attempt),
            }
        });
    }

    fn unavailable(self, token: String, attempt: usize) {
        self.state.set(AuthState::Unavailable);
        let delay = RETRIES[attempt.min(RETRIES.len() - 1)];
        set_timeout(
            move || self.check(token, attempt + 1),
            Duration::from_secs(delay),
        );
    }
}

/// The user in a `{"user": {…}}` reply; the token it was checked with
/// stands in for one the reply leaves out.
pub fn user_in(body: &serde_json::Value, token: &str) -> Option<User> {
    let user = body.get("user")?.as_object()?;
    let text = |key: &str| user.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    Some(User {
        username: text("username")?,
        email: text("email").unwrap_or_default(),
        token: text("token").unwrap_or_else(|| token.to_owned()),
        bio: text("bio"),
        image: text("image"),
    })
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The stored token, as a bare string.
pub fn stored_token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok().flatten()
}

fn store_token(token: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match token {
            Some(token) => storage.set_item(TOKEN_KEY, token),
            None => storage.remove_item(TOKEN_KEY),
        };
    }
}

/// `window.__conduit_debug__`: the app state tests read (SPA.md, "Debug
/// hook"). Only in builds for them: it hands out the token, which a
/// script injected into the page could otherwise only read from storage.
#[cfg(feature = "debug-hook")]
pub fn install_debug_hook(auth: Auth) {
    use serde_json::json;
    use wasm_bindgen::prelude::*;
    let hook = js_sys::Object::new();
    let function = |f: Box<dyn Fn() -> JsValue>| Closure::wrap(f).into_js_value();
    let get_token = function(Box::new(|| {
        stored_token().map_or(JsValue::NULL, JsValue::from)
    }));
    let get_state = function(Box::new(move || {
        JsValue::from(auth.state_untracked().as_str())
    }));
    let get_user = function(Box::new(move || match auth.user_untracked() {
        Some(user) => {
            let user = json!({
                "username": user.username, "email": user.email,
                "bio": user.bio, "image": user.image, "token": user.token,
            });
            js_sys::JSON::parse(&user.to_string()).unwrap_or(JsValue::NULL)
        }
        None => JsValue::NULL,
    }));
    for (name, value) in [
        ("getToken", get_token),
        ("getAuthState", get_state),
        ("getCurrentUser", get_user),
    ] {
        let _ = js_sys::Reflect::set(&hook, &JsValue::from_str(name), &value);
    }
    let _ = js_sys::Reflect::set(&window(), &JsValue::from_str("__conduit_debug__"), &hook);
}
