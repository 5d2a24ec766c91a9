-- Deleting an article no longer deletes its favorites and comments in the
-- same statement: a background worker in each server removes them in
-- batches afterwards (`app::backend::purge`).
--
-- Cascaded, the deletion of the most favorited article of the 10M-user data
-- set (hundreds of thousands of favorites and comments, each favorite also
-- updating its user's count) took 28.6 s: far past the statement timeout,
-- so its author could not delete it at all. Now the article goes at once
-- and its rows follow, a thousand per table per transaction.
--
-- While they wait, nothing shows them: every read of a favorite or a
-- comment goes through its article, which is gone. Only the favoriters'
-- counts (`users.favorites_count`) include them until their batch runs.

create table article_purges (
    article_id bigint      primary key,
    deleted_at timestamptz not null default now(),
    -- A batch that fails is tried again later, later each time.
    attempts   integer     not null default 0,
    run_after  timestamptz not null default now(),
    last_error text
);

-- The queue, in its order: the oldest deletion first.
create index article_purges_due_idx on article_purges (run_after, deleted_at);

-- The rows of a deleted article are no longer checked against it: a new
-- favorite or comment locks its article's row instead (`for key share`, as
-- the foreign key did), so none can slip in behind a deletion.
alter table favorites drop constraint favorites_article_id_fkey;
alter table comments drop constraint comments_article_id_fkey;

create function article_purge_queued() returns trigger language plpgsql as $$
begin
    insert into article_purges (article_id) values (old.id) on conflict do nothing;
    return null;
end $$;

create trigger article_purge_queued after delete on articles
    for each row execute function article_purge_queued();
