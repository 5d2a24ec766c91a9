//! The WASM entry point: hydrates the server-rendered HTML and nothing else.

// Leptos views are deeply nested types; computing their layout needs more
// than the default recursion limit.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A readiness mark for monitoring and tests: the page is interactive now.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
