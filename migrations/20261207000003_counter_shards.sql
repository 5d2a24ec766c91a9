-- Counters without a hot row.
--
-- Until now every new article updated one row (`article_totals`) and one row
-- per tag (`tags.articles_count`, `tags.last_used_at`) inside its own
-- transaction. A row lock is held until the commit's WAL flush, so every
-- writer of an article queued behind every other on that one row, and the
-- writers of one popular tag behind each other.
--
-- Each total is now 16 rows ("shards"). A write adds its +1 or -1 to a shard
-- it picks at random, so two concurrent writers meet on a row one time in 16;
-- a read sums the shards (16 rows of one small table, or one index range per
-- tag), exact and in the same snapshot as the rows counted.
--
-- The old counters are left in place, no longer kept, until a later
-- migration drops them: instances of the previous release still read them
-- while a rolling deploy replaces them (docs/deploy.md).

create table article_total_shards (
    shard    smallint primary key check (shard between 0 and 15),
    articles bigint   not null default 0
);
insert into article_total_shards (shard, articles)
select s, case when s = 0 then (select articles from article_totals) else 0 end
from generate_series(0, 15) s;

create table tag_count_shards (
    tag_id       bigint   not null references tags (id) on delete cascade,
    shard        smallint not null check (shard between 0 and 15),
    -- A shard may go below zero (its deletions landed there, its insertions
    -- elsewhere); only the sum over a tag's shards is a count.
    articles     bigint   not null,
    -- When an article last took the tag through this shard; null for a
    -- shard that has only seen removals.
    last_used_at timestamptz,
    primary key (tag_id, shard)
);
insert into tag_count_shards (tag_id, shard, articles, last_used_at)
select id, 0, articles_count, last_used_at from tags;

-- What the tag lists read: each tag carried by at least one article, with
-- its count and when it was last used.
create view tags_in_use as
select t.id, t.name, s.articles, s.last_used_at
from tags t
join (select tag_id, sum(articles) as articles, max(last_used_at) as last_used_at
      from tag_count_shards group by tag_id) s on s.tag_id = t.id
where s.articles > 0;

-- A shard for this write: random, so that concurrent writers spread evenly
-- whatever connection (or pooled connection) they come through.
create function counter_shard() returns smallint language sql volatile as $$
    select floor(random() * 16)::smallint
$$;

create or replace function articles_count_trigger() returns trigger language plpgsql as $$
declare
    delta integer := case when tg_op = 'INSERT' then 1 else -1 end;
    author bigint := case when tg_op = 'INSERT' then new.author_id else old.author_id end;
    -- Picked once: in the WHERE clause it would be drawn again for every row.
    picked smallint := counter_shard();
begin
    -- An author's own count is one row per author: only their own
    -- concurrent writes meet there.
    update users set articles_count = articles_count + delta where id = author;
    update article_total_shards set articles = articles + delta where shard = picked;
    return null;
end $$;

create or replace function article_tags_count_trigger() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into tag_count_shards (tag_id, shard, articles, last_used_at)
        values (new.tag_id, counter_shard(), 1, now())
        on conflict (tag_id, shard) do update
            set articles = tag_count_shards.articles + 1, last_used_at = now();
    else
        insert into tag_count_shards (tag_id, shard, articles)
        values (old.tag_id, counter_shard(), -1)
        on conflict (tag_id, shard) do update
            set articles = tag_count_shards.articles - 1;
    end if;
    return null;
end $$;
