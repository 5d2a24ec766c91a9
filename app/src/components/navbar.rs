use leptos::prelude::*;

/// The top navigation bar.
///
/// On narrow screens the links fold behind a toggle button; the toggle is
/// client-side state, so it only responds once the page has hydrated.
#[component]
pub fn Navbar() -> impl IntoView {
    let (open, set_open) = signal(false);

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
                <ul class="nav navbar-nav pull-xs-right">
                    <li class="nav-item">
                        <a class="nav-link" href="/">"Home"</a>
                    </li>
                    <li class="nav-item">
                        <a class="nav-link" href="/login">"Sign in"</a>
                    </li>
                    <li class="nav-item">
                        <a class="nav-link" href="/register">"Sign up"</a>
                    </li>
                </ul>
            </div>
        </nav>
    }
}
