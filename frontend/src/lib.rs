//! The WASM entry points: `hydrate()` takes over the islands of the HTML
//! the server rendered (the parts of a page that respond to the browser:
//! `#[island]` components); `start()` (the `csr` feature, `make spa`)
//! renders the whole app in the browser. Besides them, only what the
//! hydrating build does once per page: `islands` and `place`.

// Leptos views are deeply nested types; computing their layout needs more
// than the default recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
mod islands;
#[cfg(feature = "hydrate")]
mod place;
#[cfg(any(feature = "hydrate", feature = "csr"))]
mod vitals;

// The islands' hydrating functions are exported from the `app` crate, which
// nothing here names otherwise: this links it into the bundle.
#[cfg(feature = "hydrate")]
use app as _;

/// Called by the page's loader (`BundleLinks` in `app/src/app.rs`) with the
/// bundle's exports, once the WASM is instantiated.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate(bundle: wasm_bindgen::JsValue) {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    let all_live = islands::hydrate(&bundle);
    place::keep();
    // A page with a dead island is not ready: monitoring and tests see it.
    if all_live {
        mark_ready();
    }
    vitals::watch("islands", "/api/vitals".to_owned());
}

#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    mark_ready();
    vitals::watch("spa", format!("{}/vitals", app::spa::API_BASE));
}

/// A readiness mark for monitoring and tests: the page is interactive now.
fn mark_ready() {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
