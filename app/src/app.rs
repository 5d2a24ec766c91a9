use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::{Footer, Navbar};
use crate::pages::{
    ArticlePage, EditorPage, HomePage, LoginPage, NotFound, ProfilePage, RegisterPage, SettingsPage,
};
use crate::providers::{self, NavigateAfterWrites, Visitor, Writes};

/// The HTML document rendered around the app on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options/>
                <BundleLinks/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The `<meta>` whose content is the share of page views that send their
/// timings (`frontend/src/vitals.rs`): the server renders it from
/// `VITALS_SAMPLE_RATE`, and `scripts/spa.sh` writes it into the SPA's
/// `index.html`.
pub const VITALS_SAMPLE: &str = "conduit-vitals-sample";

/// The page's stylesheet, and the module script that loads the WASM bundle
/// and hydrates the page's islands (`frontend/src/lib.rs`).
///
/// Leptos' own `HydrationScripts` waits for the browser to go idle before
/// it even imports the bundle, which cost a cold load 20 to 67 ms of time
/// to interactive here (`docs/performance.md`): this starts at once, the
/// WASM fetched beside the HTML's parsing. The file names come from the
/// server's state (read once at start-up) rather than from `hash.txt` on
/// every render.
#[component]
fn BundleLinks() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use leptos::reactive::owner::Owner;
        // Only islands hydrate: the rest of the page is rendered without
        // the markers hydration would need.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        let state = use_context::<crate::web::AppState>()?;
        let pkg = format!(
            "{}/{}",
            state.asset_base_url, state.leptos_options.site_pkg_dir
        );
        let js = serde_json::to_string(&format!("{pkg}/{}", state.bundle.js)).ok()?;
        let wasm = format!("{pkg}/{}", state.bundle.wasm);
        let wasm_literal = serde_json::to_string(&wasm).ok()?;
        let loader = format!(
            "import init, * as bundle from {js};\n\
             await init({{ module_or_path: {wasm_literal} }});\n\
             bundle.hydrate(bundle);"
        );
        Some(view! {
            <link rel="stylesheet" href=format!("{pkg}/{}", state.bundle.css)/>
            <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous"/>
            <script type="module" nonce=leptos::nonce::use_nonce()>{loader}</script>
            <meta name=VITALS_SAMPLE content=state.vitals_sample_rate.to_string()/>
        })
    }
    #[cfg(not(feature = "ssr"))]
    None::<()>
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
    Visitor::provide();
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
                <Show when=providers::ready>
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
