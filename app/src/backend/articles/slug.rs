//! Readable, unique slugs: `how-to-train-your-dragon`, and
//! `how-to-train-your-dragon-x7k2q9` when that one is taken.

use argon2::password_hash::rand_core::{OsRng, RngCore};

use super::super::db::Tx;
use crate::error::AppError;
use crate::models::Title;

/// Longest slug base, so URLs stay readable; the suffix comes on top.
const MAX_BASE_CHARS: usize = 80;
/// Candidates tried before giving up. Six random base-36 characters make a
/// second collision a one-in-two-billion event.
pub const ATTEMPTS: usize = 5;

/// The readable part of a slug: transliterated to ASCII, lowercase,
/// hyphenated, cut at a word boundary.
pub fn base(title: &Title) -> String {
    let full = ::slug::slugify(title.as_str());
    let mut base = String::new();
    for word in full.split('-').filter(|w| !w.is_empty()) {
        if !base.is_empty() && base.len() + 1 + word.len() > MAX_BASE_CHARS {
            break;
        }
        if !base.is_empty() {
            base.push('-');
        }
        base.push_str(word);
    }
    base.truncate(MAX_BASE_CHARS);
    if base.is_empty() {
        "article".to_owned()
    } else if RESERVED.contains(&base.as_str()) {
        // `/api/articles/feed` is the feed: an article there could never be read.
        format!("{base}-article")
    } else {
        base
    }
}

/// Slugs the API's own paths take.
const RESERVED: &[&str] = &["feed"];

/// The slug to try on `attempt`: the base first, then the base with a random suffix.
pub fn candidate(base: &str, attempt: usize) -> String {
    if attempt == 0 {
        return base.to_owned();
    }
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let suffix: String = (0..6)
        .map(|_| char::from(ALPHABET[(OsRng.next_u32() % 36) as usize]))
        .collect();
    format!("{base}-{suffix}")
}

/// What to report when every candidate was taken.
pub fn exhausted(base: &str) -> AppError {
    tracing::error!(%base, "no free slug after {ATTEMPTS} attempts");
    AppError::Internal
}

/// Gives an article the slug of its new title.
pub async fn change(tx: &mut Tx, article_id: i64, title: &Title) -> Result<String, AppError> {
    let base = base(title);
    for attempt in 0..ATTEMPTS {
        let slug = candidate(&base, attempt);
        let moved = sqlx::query!(
            r#"update articles set slug = $2
               where id = $1 and not exists (select 1 from articles where slug = $2 and id <> $1)"#,
            article_id,
            slug
        )
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 1 {
            return Ok(slug);
        }
    }
    Err(exhausted(&base))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title(text: &str) -> Title {
        Title::parse(Some(text)).unwrap()
    }

    #[test]
    fn slugs_read_like_the_title() {
        assert_eq!(
            base(&title("How to Train Your Dragon!")),
            "how-to-train-your-dragon"
        );
        assert_eq!(base(&title("Café au lait")), "cafe-au-lait");
    }

    #[test]
    fn titles_without_letters_still_get_a_slug() {
        assert_eq!(base(&title("!!!")), "article");
    }

    #[test]
    fn a_title_never_takes_a_path_of_the_api() {
        assert_eq!(base(&title("Feed")), "feed-article");
        assert_eq!(base(&title("Feed me")), "feed-me");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let slug = base(&title(&"word ".repeat(40)));
        assert!(slug.len() <= MAX_BASE_CHARS && !slug.ends_with('-'));
    }

    #[test]
    fn later_candidates_carry_a_suffix() {
        assert_eq!(candidate("a", 0), "a");
        let second = candidate("a", 1);
        assert!(second.starts_with("a-") && second.len() == 8);
    }
}
