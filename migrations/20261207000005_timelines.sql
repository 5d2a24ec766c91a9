-- The followed authors' feed, pushed at write time into each reader's
-- timeline for ordinary authors and pulled at read time for authors with
-- very many followers (`app::backend::timelines`).
--
-- Every write that changes a feed (an article published or deleted, a
-- follow made or undone) queues a job in `timeline_jobs`, in the write's
-- own transaction, by the triggers below. Workers in each server drain the
-- queue; until a job is done the feed reads what it would have written
-- from the tables themselves, so a reader never sees a feed that lags
-- behind its writes.

-- A reader's pushed articles. Rows can outlive their reason for a while (a
-- follow undone, an article deleted): the read keeps only rows whose
-- follow and article still exist, and the jobs sweep the rest. No foreign
-- keys: they would cost a probe of two tables for every row pushed.
create table timelines (
    reader_id  bigint      not null,
    created_at timestamptz not null,
    article_id bigint      not null,
    author_id  bigint      not null,
    -- Serves the feed: one reader's articles newest first, from the index
    -- alone (the author is included for the read's tests of each row).
    primary key (reader_id, created_at, article_id) include (author_id)
);

-- Authors whose articles are never pushed: followed by more readers than
-- a push would reach in a reasonable time when they last published. Once
-- pulled, always pulled (the read merges them in, whatever the timelines
-- already hold of them).
create table timeline_pulled_authors (
    author_id bigint      primary key,
    since     timestamptz not null default now()
);

create table timeline_jobs (
    id         bigserial   primary key,
    -- publish, unpublish: an article reaches, or leaves, its author's followers.
    -- follow, unfollow: an author's articles reach, or leave, one reader.
    kind       text        not null check (kind in ('publish', 'unpublish', 'follow', 'unfollow')),
    author_id  bigint      not null,
    -- publish, unpublish
    article_id bigint,
    article_at timestamptz,
    -- follow, unfollow
    reader_id  bigint,
    -- How far the job has got, committed with each batch: the last
    -- follower (publish, unpublish) or article (unfollow) it dealt with.
    cursor_id  bigint,
    cursor_at  timestamptz,
    -- A batch that fails is tried again later, later each time.
    attempts   integer     not null default 0,
    run_after  timestamptz not null default now(),
    last_error text
);

-- The queue, in its order.
create index timeline_jobs_due_idx on timeline_jobs (run_after, id);
-- What the read pulls while its job is pending.
create index timeline_jobs_follow_idx on timeline_jobs (reader_id, author_id) where kind = 'follow';
create index timeline_jobs_publish_idx on timeline_jobs (article_id) where kind = 'publish';
create index timeline_jobs_unpublish_idx on timeline_jobs (author_id) where kind = 'unpublish';

-- The timelines of readers already there when timelines came in are built
-- in the background, reader by reader; until a reader's is complete, their
-- feed is read the way it was before. One row.
create table timeline_backfill (
    single      boolean primary key default true check (single),
    -- Readers below this id have complete timelines.
    next_reader bigint  not null default 0,
    -- The follow of `next_reader` the backfill has got to.
    next_author bigint  not null default 0,
    done        boolean not null default false
);
insert into timeline_backfill default values;

create function timeline_article_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into timeline_jobs (kind, author_id, article_id, article_at)
        values ('publish', new.author_id, new.id, new.created_at);
    else
        insert into timeline_jobs (kind, author_id, article_id, article_at)
        values ('unpublish', old.author_id, old.id, old.created_at);
    end if;
    return null;
end $$;

create trigger timeline_article_changed after insert or delete on articles
    for each row execute function timeline_article_changed();

create function timeline_follow_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into timeline_jobs (kind, author_id, reader_id)
        values ('follow', new.followed_id, new.follower_id);
    else
        insert into timeline_jobs (kind, author_id, reader_id)
        values ('unfollow', old.followed_id, old.follower_id);
    end if;
    return null;
end $$;

create trigger timeline_follow_changed after insert or delete on follows
    for each row execute function timeline_follow_changed();
