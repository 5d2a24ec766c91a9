//! The hashed bundle every page links to, read and checked once before
//! serving.
//!
//! With `hash-files` on, cargo-leptos names the page's JS, WASM and CSS by
//! the hashes it writes to `hash.txt` beside the server binary. A missing
//! file, or one from another build, would make every page link to assets
//! that are not there (no styles, no islands) while the server passed its
//! health checks, so it refuses to start and says which file is wrong.

use std::fs;
use std::path::{Path, PathBuf};

use app::web::Bundle;
use leptos::prelude::LeptosOptions;

/// The kinds of asset `hash.txt` names, each with its file extension, in
/// the order [`Bundle::hashed`] takes their hashes.
const KINDS: [&str; 3] = ["js", "wasm", "css"];

/// The bundle's file names: from the hash file, which must exist and name
/// files this site root holds, or the unhashed names with hashing off.
pub fn load(options: &LeptosOptions) -> Result<Bundle, String> {
    if !options.hash_files {
        return Ok(Bundle::unhashed(options));
    }
    let hash_file = hash_file(options)?;
    let hashes = fs::read_to_string(&hash_file).map_err(|e| {
        format!(
            "cannot read {} ({e}): with hash-files on, ship the hash.txt of the same \
             `cargo leptos build` beside the server binary",
            hash_file.display()
        )
    })?;
    let [js, wasm, css] = KINDS.map(|kind| {
        hash_of(&hashes, kind)
            .ok_or_else(|| format!("{} names no {kind} file", hash_file.display()))
    });
    let bundle = Bundle::hashed(options, [js?, wasm?, css?]);
    let pkg = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    for name in [&bundle.js, &bundle.wasm, &bundle.css] {
        let asset = pkg.join(name);
        if !asset.is_file() {
            return Err(format!(
                "{} names {}, which is missing: the binary and the site are from different builds",
                hash_file.display(),
                asset.display()
            ));
        }
    }
    Ok(bundle)
}

/// Where the hash file is: beside the running binary (an absolute
/// `hash_file` is taken as it is).
fn hash_file(options: &LeptosOptions) -> Result<PathBuf, String> {
    let binary = std::env::current_exe()
        .map_err(|e| format!("cannot locate the server binary to find its hash file: {e}"))?;
    let dir = binary.parent().unwrap_or(Path::new(""));
    Ok(dir.join(&*options.hash_file))
}

/// The hash on the `kind: hash` line for `kind`, if there is one.
fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim() == kind)
        .map(|(_, hash)| hash.trim())
        .filter(|hash| !hash.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site root and an absolute hash file in a scratch directory.
    struct Site(PathBuf);

    impl Site {
        fn new(label: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "conduit-site-assets-{label}-{}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("pkg")).unwrap();
            Self(dir)
        }

        fn options(&self) -> LeptosOptions {
            LeptosOptions::builder()
                .output_name("conduit")
                .site_root(self.0.to_str().unwrap())
                .hash_files(true)
                .hash_file(self.0.join("hash.txt").to_str().unwrap().into())
                .build()
        }

        fn write(&self, path: &str, text: &str) {
            fs::write(self.0.join(path), text).unwrap();
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const HASHES: &str = "js: aaa\nwasm: bbb\ncss: ccc\n";

    fn with_bundle(site: &Site) {
        for file in [
            "pkg/conduit.aaa.js",
            "pkg/conduit.bbb.wasm",
            "pkg/conduit.ccc.css",
        ] {
            site.write(file, "");
        }
    }

    #[test]
    fn a_complete_bundle_passes() {
        let site = Site::new("complete");
        with_bundle(&site);
        site.write("hash.txt", HASHES);
        let bundle = load(&site.options()).unwrap();
        assert_eq!(
            [bundle.js, bundle.wasm, bundle.css],
            ["conduit.aaa.js", "conduit.bbb.wasm", "conduit.ccc.css"]
        );
    }

    #[test]
    fn nothing_is_checked_without_file_hashing() {
        let site = Site::new("off");
        let mut options = site.options();
        options.hash_files = false;
        assert_eq!(load(&options), Ok(Bundle::unhashed(&options)));
    }

    #[test]
    fn a_missing_hash_file_is_named() {
        let site = Site::new("missing");
        with_bundle(&site);
        let error = load(&site.options()).unwrap_err();
        assert!(
            error.contains("hash.txt") && error.contains("cannot read"),
            "{error}"
        );
    }

    #[test]
    fn a_hash_file_from_another_build_is_refused() {
        let site = Site::new("other-build");
        with_bundle(&site);
        site.write("hash.txt", "js: aaa\nwasm: zzz\ncss: ccc\n");
        let error = load(&site.options()).unwrap_err();
        assert!(error.contains("conduit.zzz.wasm"), "{error}");
    }

    #[test]
    fn a_hash_file_without_every_kind_is_refused() {
        let site = Site::new("incomplete");
        with_bundle(&site);
        site.write("hash.txt", "js: aaa\nwasm: bbb\ncss:\n");
        let error = load(&site.options()).unwrap_err();
        assert!(error.contains("names no css file"), "{error}");
    }
}
