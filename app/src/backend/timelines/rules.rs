//! The two rules of what a timeline holds, as statements the jobs and the
//! backfill share: an author followed by more than [`PULL_ABOVE`] readers
//! is pulled; a follow of any other author holds their newest [`DEPTH`].

use super::super::db::Tx;
use super::{DEPTH, PULL_ABOVE};

/// Of `authors`, those followed by more than [`PULL_ABOVE`] readers, from
/// now on pulled (whether this call or an earlier one pulled them).
pub async fn pull_widely_followed(tx: &mut Tx, authors: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"with widely as (
               select distinct author from unnest($1::bigint[]) author
               where (select count(*) from (
                          select 1 from follows where followed_id = author
                          limit $2::bigint + 1) f) > $2::bigint),
           pulled as (
               insert into timeline_pulled_authors (author_id)
               select author from widely
               on conflict do nothing)
           select author as "author!" from widely"#,
        authors,
        PULL_ABOVE,
    )
    .fetch_all(&mut *tx)
    .await
}

/// Each author's newest [`DEPTH`] articles into the timeline of the
/// reader beside them (`readers[i]` follows `authors[i]`); none of a
/// pulled author's.
pub async fn copy_newest(tx: &mut Tx, readers: &[i64], authors: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into timelines (reader_id, created_at, article_id, author_id)
           select f.reader, a.created_at, a.id, a.author_id
           from unnest($1::bigint[], $2::bigint[]) f (reader, author)
           cross join lateral (
               select id, created_at, author_id from articles
               where author_id = f.author
               order by created_at desc, id desc limit $3) a
           where not exists (select 1 from timeline_pulled_authors p
                             where p.author_id = f.author)
           on conflict do nothing"#,
        readers,
        authors,
        DEPTH,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
