//! Readers' timelines: the followed authors' feed pushed at write time for
//! ordinary authors, pulled at read time for authors with very many
//! followers (migrations/20261207000005_timelines.sql).
//!
//! What a reader's timeline holds, for each author they follow who is not
//! pulled: every article among that author's newest [`DEPTH`]. A follow
//! copies the author's newest [`DEPTH`] in; a publication adds the article
//! to each follower's; a deletion removes it, and copies the author's
//! newest [`DEPTH`] again where the deletion let an older article move up
//! into them. So the newest [`DEPTH`] articles of a reader's feed, every
//! page the API serves, are in their timeline: a page is read from it (one
//! range of one index), with the pulled authors' newest merged in
//! ([`super::articles::feed`]).
//!
//! Writes only queue jobs (in their own transactions, by triggers): the
//! workers ([`run`]) do them afterwards, in batches of at most [`BATCH`]
//! rows ([`jobs`]). Until a job is done, the read takes what it would have
//! written from the tables themselves: the articles of pending
//! publications, the authors of pending follows and deletions (read as
//! pulled authors). So a feed never lags behind a write, and is always the
//! page the plain query gives (tests hold it to that).
//!
//! Readers who were there before timelines came in get theirs built in the
//! background, follow by follow ([`backfill`]); until theirs is complete,
//! their feed is read the old way.

pub mod backfill;
pub mod jobs;
mod rules;

use super::background::{self, Progress};
use super::db::Database;
use crate::models::Window;

/// How many of each followed author's newest articles a timeline holds:
/// the API's whole window (`offset` up to 10,000, `limit` up to 100), so
/// every page of the feed is read from the timeline. On the 10M-user data
/// set this costs 164M rows, against 138M for the first 1,000 (and the
/// deep pages the plans over the articles read slowest).
pub const DEPTH: i64 = Window::MAX_OFFSET + Window::MAX_LIMIT;

/// Authors followed by more readers than this are pulled at read time,
/// never pushed: a publication writes at most this many rows. On the
/// 10M-user data set, 2,067 authors are above it, and pushing the others'
/// articles to their followers takes 164M rows (at 1,000 followers it
/// would take 528M, for 60 authors pulled).
pub const PULL_ABOVE: i64 = 100;

/// Rows a job's batch writes or removes at most, per transaction.
pub const BATCH: i64 = 1_000;

/// Works through the jobs, and the backfill when no job is due, for as
/// long as the server runs.
pub async fn run(db: Database) {
    background::run(db, "keeping readers' timelines", |db| async move {
        match jobs::batch(&db).await? {
            Progress::Worked => Ok(Progress::Worked),
            Progress::Idle => backfill::batch(&db).await,
        }
    })
    .await;
}
