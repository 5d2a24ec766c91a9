-- What a bulk load with the triggers off leaves to do. Run by
-- scripts/bench/seed.sql and scripts/seed-large.py.

-- The totals' counter shards (migrations/20261207000003_counter_shards.sql),
-- counted again from the rows.
delete from article_total_shards;
insert into article_total_shards (shard, articles)
select s, case when s = 0 then (select count(*) from articles) else 0 end from generate_series(0, 15) s;
delete from tag_count_shards;
insert into tag_count_shards (tag_id, shard, articles, last_used_at)
select tag_id, 0, count(*), max(article_created_at) from article_tags group by tag_id;
-- The tags' ranking by use (migrations/20261208000001_tag_ranks.sql), as
-- the servers' first ranking would make it.
delete from tag_ranks;
insert into tag_ranks (tag_id, articles) select id, articles from tags_in_use;

-- Readers' timelines (migrations/20261207000005_timelines.sql), built from
-- the start by the servers (app::backend::timelines::backfill).
truncate timelines, timeline_jobs, timeline_pulled_authors;
update timeline_backfill set next_reader = 0, next_author = 0, done = false;
