use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::avatar;
use crate::models::AuthState;
use crate::providers::Visitor;
use crate::urls;

/// The top navigation bar: the links of who is signed in, rendered where
/// the page is, inside the frame that folds them on narrow screens.
#[component]
pub fn Navbar() -> impl IntoView {
    let visitor = Visitor::get();
    view! {
        <NavbarFrame>
            <ul class="nav navbar-nav pull-xs-right">
                <NavLink href=urls::HOME>"Home"</NavLink>
                <Transition fallback=|| ()>
                    {move || match (visitor.state(), visitor.current()) {
                        (AuthState::Authenticated, Some(user)) => {
                            let profile = urls::profile(&user.username);
                            view! {
                                <NavLink href=urls::NEW_ARTICLE>
                                    <i class="ion-compose"></i>" New Article"
                                </NavLink>
                                <NavLink href=urls::SETTINGS>
                                    <i class="ion-gear-a"></i>" Settings"
                                </NavLink>
                                <NavLink href=profile>
                                    <img class="user-pic" src=avatar(user.image.as_deref()) alt=""/>
                                    {user.username.clone()}
                                </NavLink>
                            }
                                .into_any()
                        }
                        // Still asking who is signed in: nothing to offer yet.
                        (AuthState::Loading, _) => ().into_any(),
                        (AuthState::Unavailable, _) => view! {
                            <li class="nav-item">
                                <span class="nav-link connecting">"Connecting…"</span>
                            </li>
                        }
                            .into_any(),
                        _ => view! {
                            <NavLink href=urls::LOGIN>"Sign in"</NavLink>
                            <NavLink href=urls::REGISTER>"Sign up"</NavLink>
                        }
                            .into_any(),
                    }}
                </Transition>
            </ul>
        </NavbarFrame>
    }
}

/// The bar itself, with the toggle that folds its links on narrow screens.
/// The toggle is client-side state, so in the server-rendered build this is
/// an island: it hydrates, the links inside it (`children`) stay as the
/// server rendered them. The SPA renders it as any other component.
#[cfg_attr(feature = "csr", component)]
#[cfg_attr(not(feature = "csr"), island)]
fn NavbarFrame(children: Children) -> impl IntoView {
    let (open, set_open) = signal(false);
    // A page change closes the menu. Only the SPA changes pages under the
    // bar; in the server-rendered build every page comes with a new one.
    #[cfg(feature = "csr")]
    {
        let path = use_location().pathname;
        Effect::new(move |_| {
            path.track();
            set_open.set(false);
        });
    }
    view! {
        <nav class="navbar navbar-light" class:open=open>
            <div class="container">
                <a class="navbar-brand" href="/">"conduit"</a>
                <button
                    type="button"
                    class="navbar-toggler"
                    aria-label="Toggle navigation"
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| set_open.update(|open| *open = !*open)
                >
                    <span class="navbar-toggler-icon"></span>
                </button>
                {children()}
            </div>
        </nav>
    }
}

/// A navbar item; `active` when its page is showing.
#[component]
fn NavLink(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let path = use_location().pathname;
    let target = href.clone();
    let active = move || path.get() == target;
    view! {
        <li class="nav-item">
            <a class="nav-link" class:active=active href=href>{children()}</a>
        </li>
    }
}
