//! Domain newtypes: each parses raw input once, so code past the boundary
//! never sees a blank title or an over-long username.
//!
//! `parse` returns the message that follows the field name in a Conduit
//! error, e.g. `username` + `can't be blank`.

use std::collections::BTreeSet;

const BLANK: &str = "can't be blank";

/// PostgreSQL `text` cannot hold U+0000, so no stored field may contain it.
const NUL: &str = "must not contain NUL characters";

fn storable(text: &str) -> Result<(), String> {
    if text.contains('\0') {
        Err(NUL.to_owned())
    } else {
        Ok(())
    }
}

fn too_long(max: usize) -> String {
    format!("is too long (maximum is {max} characters)")
}

/// Trims, rejects blank and over-long input.
fn required_text(raw: Option<&str>, max: usize) -> Result<String, String> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(BLANK.to_owned());
    }
    if text.chars().count() > max {
        return Err(too_long(max));
    }
    storable(text)?;
    Ok(text.to_owned())
}

/// Trims; blank becomes `None` (API.md: `""` and `null` clear the field).
fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(too_long(max)),
        Some(text) => storable(text).map(|()| Some(text.to_owned())),
    }
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// Letters, digits, `_`, `-` and `.`, in Unicode normal form NFKC (so a
    /// name looks the way it compares).
    Username
);

impl Username {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let normal = raw.map(nfkc);
        let name = required_text(normal.as_deref(), Self::MAX_CHARS)?;
        if is_dot_segment(&name) {
            Err(NOT_A_PATH_SEGMENT.to_owned())
        } else if name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            Ok(Self(name))
        } else {
            Err("is invalid (use letters, digits, '_', '-' and '.')".to_owned())
        }
    }

    /// The key this name is unique by and looked up with.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// The key of any name as typed (in a URL, a filter): NFKC, then full
    /// Unicode case folding, so that "ΟΔΟΣ", "οδος" and "ΟΔΟΣ" in any
    /// compatible spelling are one name. The database's unique index is on
    /// this value, computed here and nowhere else.
    pub fn key_of(raw: &str) -> String {
        let normal = nfkc(raw.trim());
        icu_casemap::CaseMapper::new()
            .fold_string(&normal)
            .into_owned()
    }
}

/// `.` and `..` name no page: URL parsers remove them from a path, so
/// `/profile/..` is `/` to every browser.
fn is_dot_segment(text: &str) -> bool {
    matches!(text, "." | "..")
}

const NOT_A_PATH_SEGMENT: &str = "is reserved ('.' and '..' cannot be linked to)";

fn nfkc(text: &str) -> String {
    icu_normalizer::ComposingNormalizer::new_nfkc()
        .normalize(text)
        .into_owned()
}

text_newtype!(
    /// An address of the form `local@domain.tld`, stored as typed.
    Email
);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let email = required_text(raw, Self::MAX_CHARS)?;
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !email.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if valid {
            Ok(Self(email))
        } else {
            Err("is invalid".to_owned())
        }
    }
}

text_newtype!(
    /// A new password, kept only until it is hashed. Not trimmed: spaces count.
    Password
);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let password = raw.unwrap_or_default();
        let chars = password.chars().count();
        if password.trim().is_empty() {
            Err(BLANK.to_owned())
        } else if chars < Self::MIN_CHARS {
            Err(format!(
                "is too short (minimum is {} characters)",
                Self::MIN_CHARS
            ))
        } else if chars > Self::MAX_CHARS {
            Err(too_long(Self::MAX_CHARS))
        } else {
            Ok(Self(password.to_owned()))
        }
    }
}

text_newtype!(
    /// A profile's short biography.
    Bio
);

impl Bio {
    pub const MAX_CHARS: usize = 2_000;

    /// `None` when blank.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, String> {
        Ok(optional_text(raw, Self::MAX_CHARS)?.map(Self))
    }
}

text_newtype!(
    /// A profile image: any string, stored and returned as given (API.md).
    /// It is only ever rendered as an escaped `img src`, which browsers
    /// never run, so `javascript:` and `data:` values are harmless there.
    ImageUrl
);

impl ImageUrl {
    pub const MAX_CHARS: usize = 2_048;

    /// `None` when empty (API.md: `""` and `null` clear the image).
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, String> {
        match raw {
            None | Some("") => Ok(None),
            Some(url) if url.chars().count() > Self::MAX_CHARS => Err(too_long(Self::MAX_CHARS)),
            Some(url) => storable(url).map(|()| Some(Self(url.to_owned()))),
        }
    }
}

text_newtype!(
    /// An article title, trimmed.
    Title
);

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        required_text(raw, Self::MAX_CHARS).map(Self)
    }
}

text_newtype!(
    /// An article's description or markdown body.
    ArticleText
);

impl ArticleText {
    pub const DESCRIPTION_MAX_CHARS: usize = 1_000;
    pub const BODY_MAX_CHARS: usize = 100_000;

    pub fn description(raw: Option<&str>) -> Result<Self, String> {
        required_text(raw, Self::DESCRIPTION_MAX_CHARS).map(Self)
    }

    pub fn body(raw: Option<&str>) -> Result<Self, String> {
        required_text(raw, Self::BODY_MAX_CHARS).map(Self)
    }
}

text_newtype!(
    /// A comment's text.
    CommentBody
);

impl CommentBody {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        required_text(raw, Self::MAX_CHARS).map(Self)
    }
}

/// An article's tags: trimmed, deduplicated and sorted (API.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagList(Vec<String>);

impl TagList {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_TAG_CHARS: usize = 40;

    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, String> {
        let mut tags = BTreeSet::new();
        for tag in raw {
            let tag = tag.as_ref().trim();
            if tag.is_empty() {
                return Err("must not contain blank tags".to_owned());
            }
            if is_dot_segment(tag) {
                return Err(format!("has a tag that {NOT_A_PATH_SEGMENT}"));
            }
            if tag.chars().count() > Self::MAX_TAG_CHARS {
                return Err(format!(
                    "has a tag that is too long (maximum is {} characters)",
                    Self::MAX_TAG_CHARS
                ));
            }
            storable(tag)?;
            tags.insert(tag.to_owned());
        }
        if tags.len() > Self::MAX_TAGS {
            return Err(format!("has too many tags (maximum is {})", Self::MAX_TAGS));
        }
        Ok(Self(tags.into_iter().collect()))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_checked() {
        assert_eq!(Username::parse(Some("  jake ")).unwrap().as_str(), "jake");
        assert_eq!(Username::parse(Some("   ")).unwrap_err(), BLANK);
        assert_eq!(Username::parse(None).unwrap_err(), BLANK);
        assert!(Username::parse(Some("a/b")).is_err());
        for dots in [".", "..", "．．"] {
            assert!(Username::parse(Some(dots)).is_err(), "{dots}");
        }
        assert!(Username::parse(Some("...")).is_ok());
        assert!(TagList::parse(&[".."]).is_err());
        assert!(TagList::parse(&["..."]).is_ok());
        assert!(Username::parse(Some(&"x".repeat(41))).is_err());
    }

    #[test]
    fn usernames_compare_by_one_unicode_rule() {
        assert_eq!(Username::key_of("ΟΔΟΣ"), Username::key_of("οδος"));
        assert_eq!(Username::key_of("Straße"), Username::key_of("STRASSE"));
        assert_eq!(Username::key_of("Jake"), "jake");
        // Full-width letters are the same name as their plain forms.
        let wide = Username::parse(Some("ｊａｋｅ")).unwrap();
        assert_eq!(wide.as_str(), "jake");
        assert_eq!(wide.key(), "jake");
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse(Some("jake@jake.jake")).is_ok());
        for bad in [
            "jake",
            "@jake.jake",
            "jake@jake",
            "ja ke@jake.jake",
            "a@b@c.d",
        ] {
            assert!(Email::parse(Some(bad)).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_of_8_and_64_characters_are_accepted() {
        assert!(Password::parse(Some(&"p".repeat(8))).is_ok());
        assert!(Password::parse(Some(&"p".repeat(64))).is_ok());
        assert!(Password::parse(Some("short")).is_err());
        assert_eq!(Password::parse(Some("")).unwrap_err(), BLANK);
    }

    #[test]
    fn nul_characters_are_refused_in_every_stored_field() {
        assert_eq!(Title::parse(Some("a\0b")).unwrap_err(), NUL);
        assert_eq!(Bio::parse(Some("\0")).unwrap_err(), NUL);
        assert_eq!(ImageUrl::parse(Some("x\0")).unwrap_err(), NUL);
        assert_eq!(TagList::parse(&["ok", "b\0d"]).unwrap_err(), NUL);
        assert!(Email::parse(Some("a\0@b.c")).is_err());
    }

    #[test]
    fn blank_bio_and_image_clear_the_field() {
        assert_eq!(Bio::parse(Some("")).unwrap(), None);
        assert_eq!(ImageUrl::parse(Some("")).unwrap(), None);
        assert_eq!(ImageUrl::parse(None).unwrap(), None);
    }

    #[test]
    fn images_are_stored_as_given_up_to_their_bound() {
        for given in [
            "https://example.com/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AA",
            " x ",
        ] {
            assert_eq!(
                ImageUrl::parse(Some(given)).unwrap().unwrap().as_str(),
                given
            );
        }
        assert!(ImageUrl::parse(Some(&"x".repeat(2_049))).is_err());
    }

    #[test]
    fn tags_are_deduplicated_and_sorted() {
        let tags = TagList::parse(&["rust", " axum", "rust", "leptos "]).unwrap();
        assert_eq!(tags.as_slice(), ["axum", "leptos", "rust"]);
        assert!(TagList::parse(&["ok", " "]).is_err());
    }
}
