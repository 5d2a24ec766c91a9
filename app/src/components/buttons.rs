//! The favorite and follow buttons: one-button forms, so they work before
//! the bundle loads too. In the server-rendered build each is an island:
//! once hydrated, a click calls the server function from the page and the
//! button (and its twin: an article page shows each twice) changes in
//! place. In the SPA they make the writes the pages re-read after.

use leptos::prelude::*;

#[cfg(feature = "csr")]
use crate::data::Form;
#[cfg(feature = "csr")]
use crate::providers::Writes;

/// Favorite / unfavorite an article. With `label` it says "Favorite
/// Article (N)"; without, just the count.
#[cfg_attr(feature = "csr", component)]
#[cfg_attr(not(feature = "csr"), island)]
pub fn FavoriteButton(slug: String, favorited: bool, count: i64, label: bool) -> impl IntoView {
    let state: RwSignal<switch::State> =
        switch::shared(format!("favorite {slug}"), favorited, count).into();
    let class = move || {
        if state.get().on {
            "btn btn-sm btn-primary"
        } else {
            "btn btn-sm btn-outline-primary"
        }
    };
    let text = move || {
        let switch::State { on, count } = state.get();
        match (label, on) {
            (false, _) => format!(" {count}"),
            (true, false) => format!(" Favorite Article ({count})"),
            (true, true) => format!(" Unfavorite Article ({count})"),
        }
    };
    let next = move || (!state.get().on).to_string();
    let fields = view! {
        <input type="hidden" name="slug" value=slug.clone()/>
        <input type="hidden" name="favorite" value=next/>
        <button type="submit" class=class class:pull-xs-right=!label>
            <i class="ion-heart"></i>
            {text}
        </button>
    };
    #[cfg(feature = "csr")]
    {
        let _ = state;
        view! { <Form action=Writes::get().set_favorite>{fields}</Form> }
    }
    #[cfg(not(feature = "csr"))]
    {
        use server_fn::ServerFn;
        let flip = move |on: bool| {
            let slug = slug.clone();
            async move { crate::rpc::articles::set_favorite(slug, on).await }
        };
        switch::form(crate::rpc::articles::SetFavorite::PATH, state, flip, fields)
    }
}

/// Follow / unfollow a user: "Follow jake" / "Unfollow jake".
#[cfg_attr(feature = "csr", component)]
#[cfg_attr(not(feature = "csr"), island)]
pub fn FollowButton(username: String, following: bool) -> impl IntoView {
    let state: RwSignal<switch::State> =
        switch::shared(format!("follow {username}"), following, 0).into();
    let on = move || state.get().on;
    let class = move || {
        if on() {
            "btn btn-sm btn-secondary action-btn"
        } else {
            "btn btn-sm btn-outline-secondary action-btn"
        }
    };
    let icon = move || {
        if on() {
            "ion-minus-round"
        } else {
            "ion-plus-round"
        }
    };
    let text = {
        let username = username.clone();
        move || format!(" {} {username}", if on() { "Unfollow" } else { "Follow" })
    };
    let fields = view! {
        <input type="hidden" name="username" value=username.clone()/>
        <input type="hidden" name="follow" value=move || (!on()).to_string()/>
        <button type="submit" class=class>
            <i class=icon></i>
            {text}
        </button>
    };
    #[cfg(feature = "csr")]
    {
        let _ = state;
        view! { <Form action=Writes::get().set_following>{fields}</Form> }
    }
    #[cfg(not(feature = "csr"))]
    {
        use server_fn::ServerFn;
        let flip = move |on: bool| {
            let username = username.clone();
            async move { crate::rpc::profiles::set_following(username, on).await }
        };
        switch::form(
            crate::rpc::profiles::SetFollowing::PATH,
            state,
            flip,
            fields,
        )
    }
}

/// What the two buttons share: a switch that is on or off, and for
/// favorites how many have it on.
mod switch {
    #[cfg(not(feature = "csr"))]
    use std::future::Future;

    use leptos::prelude::*;

    #[cfg(not(feature = "csr"))]
    use crate::data::Done;
    #[cfg(not(feature = "csr"))]
    use crate::error::AppError;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct State {
        pub on: bool,
        pub count: i64,
    }

    /// The state every button for `key` on this page shows. In the browser
    /// the islands of one page share it (a click on one changes its twin);
    /// anywhere else each button has its own.
    pub fn shared(key: String, on: bool, count: i64) -> ArcRwSignal<State> {
        let initial = State { on, count };
        #[cfg(feature = "hydrate")]
        {
            use std::cell::RefCell;
            use std::collections::HashMap;
            thread_local! {
                static SWITCHES: RefCell<HashMap<String, ArcRwSignal<State>>> =
                    RefCell::new(HashMap::new());
            }
            SWITCHES.with(|switches| {
                switches
                    .borrow_mut()
                    .entry(key)
                    .or_insert_with(|| ArcRwSignal::new(initial))
                    .clone()
            })
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = key;
            ArcRwSignal::new(initial)
        }
    }

    /// The button's form, calling the server function at `action`. Before
    /// the bundle loads (and without JavaScript) it posts to its page like
    /// every form; once hydrated, it calls `flip(on)` from the page and
    /// changes `state` in place, or keeps it when the call fails, or goes
    /// where the call says (to sign in).
    #[cfg(not(feature = "csr"))]
    pub fn form<F, Fut>(
        action: &'static str,
        state: RwSignal<State>,
        flip: F,
        fields: impl IntoView + 'static,
    ) -> AnyView
    where
        F: Fn(bool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Done, AppError>> + 'static,
    {
        let form = leptos::html::form()
            .attr("method", "post")
            .child((crate::data::action_field(action), fields));
        #[cfg(feature = "hydrate")]
        {
            let busy = RwSignal::new(false);
            let submit = move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                if busy.get_untracked() {
                    return;
                }
                busy.set(true);
                let before = state.get_untracked();
                let sent = flip(!before.on);
                leptos::task::spawn_local(async move {
                    match sent.await {
                        Ok(Done { next: Some(path) }) => {
                            let _ = window().location().set_href(&path);
                        }
                        Ok(Done { next: None }) => state.set(State {
                            on: !before.on,
                            count: before.count + if before.on { -1 } else { 1 },
                        }),
                        Err(error) => leptos::logging::warn!("the switch failed: {error}"),
                    }
                    busy.set(false);
                });
            };
            form.on(leptos::ev::submit, submit).into_any()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (state, flip);
            form.into_any()
        }
    }
}
