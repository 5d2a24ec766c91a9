-- The sidebar's tags without counting every tag.
--
-- The sidebar shows the 20 most used tags, then up to 10 more of the most
-- recently used. Picked from the counter shards (`tags_in_use`), that took
-- a pass over every tag's shards, summed and sorted twice: 0.3 ms with 200
-- tags, 2.4 ms with 1,400 and 12 ms with 4,500 (docs/queries*.md), paid by
-- every server after every article written, since the selection is cached
-- only until then. The cost grew with the tags, not with what is shown.
--
-- Now each part takes what it needs from an index:
-- * the most used come from `tag_ranks`, each tag's count as of the last
--   refresh (every server refreshes it each minute, `tags::rank`): an order
--   that may lag the counts by a minute, which a ranking of popularity can;
-- * the most recently used come from the shards' last use, so a tag used a
--   moment ago shows at once (FRONTEND.md);
-- * only these candidates are counted exactly (their own shards), and only
--   those still in use show: a tag that no article carries any longer
--   leaves its place among the most used empty until the next refresh, and
--   among the most recent gives it to the next one (twice as many recent
--   tags as shown are counted).

create table tag_ranks (
    tag_id   bigint primary key references tags (id) on delete cascade,
    articles bigint not null
);
create index tag_ranks_by_use on tag_ranks (articles desc, tag_id);
insert into tag_ranks (tag_id, articles) select id, articles from tags_in_use;

-- A few thousand rows at ten million users: built in the migration's
-- transaction, writers of tags wait for it a moment.
create index tag_count_shards_by_last_use on tag_count_shards (last_used_at desc)
    where last_used_at is not null;
