//! The WASM entry points: `hydrate()` takes over the islands of the HTML
//! the server rendered (the parts of a page that respond to the browser:
//! `#[island]` components); `start()` (the `csr` feature, `make spa`)
//! renders the whole app in the browser. Nothing else lives here.

// Leptos views are deeply nested types; computing their layout needs more
// than the default recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
mod place;

// The islands' hydrating functions are exported from the `app` crate, which
// nothing here names otherwise: this links it into the bundle.
#[cfg(feature = "hydrate")]
use app as _;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    place::keep();
    // Leptos' loader hydrates each island right after this returns, without
    // yielding to the event loop: a task queued now runs once all are live.
    leptos::prelude::set_timeout(mark_ready, std::time::Duration::ZERO);
}

#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    mark_ready();
}

/// A readiness mark for monitoring and tests: the page is interactive now.
fn mark_ready() {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
