//! Keeping the reader's place across a form post.
//!
//! In the server-rendered build only the islands hydrate, so every form is
//! a plain post: favoriting an article halfway down a list, following,
//! commenting or deleting a comment sends the form, and the server answers
//! with the same page again, which the browser would show from the top.
//! The scroll position is noted when a form is sent and given back when the
//! page it was sent from comes back. Any other page forgets it.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Storage, Window};

/// This tab's note: the page a form was sent from and how far down it was.
const KEY: &str = "conduit-place";

pub fn keep() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(storage) = window.session_storage().ok().flatten() else {
        return;
    };
    restore(&window, &storage);
    let note = {
        let window = window.clone();
        Closure::<dyn Fn()>::new(move || {
            // Whole pixels: formatting and parsing floats would add 18 KB
            // to the bundle.
            let y = window.scroll_y().unwrap_or(0.0) as i64;
            let _ = storage.set_item(KEY, &format!("{y} {}", page(&window)));
        })
    };
    if let Some(document) = window.document() {
        // Every form's submit event reaches the document, including those
        // of forms rendered later.
        let _ = document.add_event_listener_with_callback("submit", note.as_ref().unchecked_ref());
    }
    // The listener lives as long as the page.
    note.forget();
}

/// Scrolls back to the noted place if this is the page it was noted on.
fn restore(window: &Window, storage: &Storage) {
    let Some(noted) = storage.get_item(KEY).ok().flatten() else {
        return;
    };
    let _ = storage.remove_item(KEY);
    let Some((y, from)) = noted.split_once(' ') else {
        return;
    };
    if let (Ok(y), true) = (y.parse::<i64>(), from == page(window)) {
        window.scroll_to_with_x_and_y(0.0, y as f64);
    }
}

/// The page's path and query: an error sends the form back with its own
/// query (`__err`), and that page starts at the top, where the error shows.
fn page(window: &Window) -> String {
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let query = location.search().unwrap_or_default();
    format!("{path}{query}")
}
