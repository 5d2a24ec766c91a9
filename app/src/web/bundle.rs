//! The files of the WASM bundle every page links to.

use leptos::prelude::LeptosOptions;

/// The bundle's file names under the site's `pkg` directory: the JS glue,
/// the WASM and the stylesheet. Read once at start-up (the server's
/// `site_assets`), so a page render touches no file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

impl Bundle {
    /// The names cargo-leptos gives the files with hashing off. Its WASM
    /// keeps wasm-bindgen's `_bg` suffix unless the build set an output name.
    pub fn unhashed(options: &LeptosOptions) -> Self {
        let name = &options.output_name;
        let wasm_suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };
        Self {
            js: format!("{name}.js"),
            wasm: format!("{name}{wasm_suffix}.wasm"),
            css: format!("{name}.css"),
        }
    }

    /// The names with hashing on, from the hashes `hash.txt` lists for the
    /// JS, the WASM and the CSS.
    pub fn hashed(options: &LeptosOptions, [js, wasm, css]: [&str; 3]) -> Self {
        let name = &options.output_name;
        Self {
            js: format!("{name}.{js}.js"),
            wasm: format!("{name}.{wasm}.wasm"),
            css: format!("{name}.{css}.css"),
        }
    }
}
