//! Hydrating the islands the server rendered.
//!
//! Each `<leptos-island>` names in `data-component` the function the bundle
//! exports for it (`#[island]` generates one per component). Islands are
//! hydrated in document order, so an island inside another's children
//! comes after it. None is nested in another's children here; one that
//! were would hydrate without the outer island's context, which Leptos'
//! own loader hands on through `<leptos-children>`.

use leptos::prelude::document;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

/// Calls the bundle's function for every island on the page. `bundle` is
/// the JS module's namespace object, as the loader passes it. False when
/// an island could not be hydrated (its error is logged).
pub fn hydrate(bundle: &JsValue) -> bool {
    let Ok(islands) = document().query_selector_all("leptos-island") else {
        return false;
    };
    let mut all_live = true;
    for index in 0..islands.length() {
        let Some(island) = islands.item(index) else {
            continue;
        };
        let name = island
            .dyn_ref::<Element>()
            .and_then(|element| element.get_attribute("data-component"))
            .unwrap_or_default();
        let function = js_sys::Reflect::get(bundle, &JsValue::from_str(&name))
            .ok()
            .and_then(|value| value.dyn_into::<js_sys::Function>().ok());
        let outcome = match function {
            Some(function) => function
                .call1(&JsValue::NULL, &island)
                .map(drop)
                .map_err(|error| format!("{error:?}")),
            None => Err("the bundle has no function for it".to_owned()),
        };
        if let Err(error) = outcome {
            leptos::logging::error!("the island {name:?} failed to hydrate: {error}");
            all_live = false;
        }
    }
    all_live
}
