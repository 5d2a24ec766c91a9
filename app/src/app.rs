use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::{Footer, Navbar};
use crate::data::{self, NavigateAfterWrites};
use crate::pages::{
    ArticlePage, EditorPage, HomePage, LoginPage, NotFound, ProfilePage, RegisterPage, SettingsPage,
};
use crate::providers::{Session, Writes};

/// The HTML document rendered around the app on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let assets = asset_root();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone() root=assets.clone() islands=true/>
                <HashedStylesheet options id="leptos" root=assets/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Where `/pkg` assets are fetched from: this server (empty) or a CDN origin.
fn asset_root() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::backend::AppState>() {
        return state.asset_base_url.clone();
    }
    String::new()
}

/// The application: layout and routes.
///
/// Every page renders with `SsrMode::Async`: the server waits for the
/// page's data and sends complete HTML in one piece. Crawlers, browsers
/// without JavaScript (forms work as plain posts) and the CDN can all use it
/// as it is, and a 404 status can still be set once the data shows the
/// article or profile does not exist. Pages read a few indexed rows, so
/// waiting for them costs little first-byte time.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Session::provide();
    Writes::provide();

    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "Conduit".to_owned() } else { format!("{title} — Conduit") }
        }/>
        <Meta name="description" content="Conduit: a place to share your knowledge."/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Router>
            <NavigateAfterWrites/>
            <Navbar/>
            <main>
                <Show when=data::ready>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/tag/:tag") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/editor") view=EditorPage ssr=SsrMode::Async/>
                    <Route path=path!("/editor/:slug") view=EditorPage ssr=SsrMode::Async/>
                    <Route path=path!("/article/:slug") view=ArticlePage ssr=SsrMode::Async/>
                    <Route path=path!("/profile/:username") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/profile/:username/favorites") view=ProfilePage ssr=SsrMode::Async/>
                </Routes>
                </Show>
            </main>
            <Footer/>
        </Router>
    }
}
