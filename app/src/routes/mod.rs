mod article;
mod auth;
mod editor;
mod home;
mod not_found;
mod profile;
mod settings;

pub use article::ArticlePage;
pub use auth::{LoginPage, RegisterPage};
pub use editor::EditorPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use settings::SettingsPage;

/// A path segment with everything but unreserved characters percent-encoded.
pub fn encode_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// A route parameter as typed: decodes percent-escapes.
pub fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip() {
        for tag in ["rust", "c++", "a b/c?d#e", "café"] {
            assert_eq!(decode_segment(&encode_segment(tag)), tag);
        }
        assert_eq!(encode_segment("a b"), "a%20b");
    }
}
