-- A realistic data set for the benchmark: 10,000 users, 100,000 articles
-- with 1-3 of 200 tags each, 300,000 favorites, 50,000 follows and 200,000
-- comments. Run by scripts/bench.sh with psql: `-v hash=...` is a real
-- argon2id hash (of the bench user's password) so every seeded user can sign in.
\set ON_ERROR_STOP on

-- One transaction: all or nothing. The counter triggers fire once per row
-- (100,000 updates of the totals' shards); a bulk load turns them off and sets
-- the counters once at the end, as the triggers would have. The change
-- feed's triggers are off too (half a million notifications nobody needs):
-- the servers are restarted on the seeded data, with cold caches. So are
-- the timelines' (150,000 jobs): the servers' backfill builds them
-- (after-bulk-load.sql).
begin;
-- A bulk load is no request: the role's statement timeout (set for the
-- servers, docs/deploy.md step 7) does not apply.
set local statement_timeout = 0;
set local idle_in_transaction_session_timeout = 0;
alter table articles disable trigger articles_count;
alter table article_tags disable trigger article_tags_count;
alter table favorites disable trigger user;
alter table articles disable trigger articles_changed;
alter table comments disable trigger user;
alter table follows disable trigger follows_changed;
alter table articles disable trigger timeline_article_changed;
alter table follows disable trigger timeline_follow_changed;
\timing on

\echo '[1/7] users: 10,000'
insert into users (username, username_key, email, password_hash, bio)
select 'writer' || i, 'writer' || i, 'writer' || i || '@example.com', :'hash',
       case when i % 3 = 0 then 'Writes about things, mostly number ' || i || '.' end
from generate_series(1, 10000) i;

\echo '[2/7] tags: 200'
insert into tags (name)
select (array['rust','web','aws','postgres','cache','design','leptos','wasm','ops','scale'])[1 + i % 10]
       || case when i >= 10 then '-' || i else '' end
from generate_series(0, 199) i;

\echo '[3/7] articles: 100,000 (one per 5 minutes, going back a year)'
create temporary table writer_ids as
select id, row_number() over (order by id) as n from users where username like 'writer%';
insert into articles (author_id, slug, title, description, body, created_at, updated_at)
select w.id,
       'article-' || i || '-on-scaling',
       'Article ' || i || ' on scaling',
       'What happens to system ' || i || ' at ten million users',
       repeat('Paragraph of **markdown** with a [link](https://example.com) and `code`. ', 20 + i % 30),
       now() - make_interval(mins => 5 * i),
       now() - make_interval(mins => 5 * i)
from generate_series(1, 100000) i
join writer_ids w on w.n = 1 + (i * 7919) % 10000;

\echo '[4/7] article tags: 1-3 per article'
insert into article_tags (article_id, tag_id, article_created_at)
select a.id, t.id, a.created_at
from articles a
cross join lateral generate_series(0, a.id % 3) k
join tags t on t.id = (select min(id) from tags) + (a.id * 31 + k * 67) % 200
on conflict do nothing;
update articles a set tag_list = t.names
from (select at.article_id, array_agg(t.name order by t.name collate "C") as names
      from article_tags at join tags t on t.id = at.tag_id group by at.article_id) t
where t.article_id = a.id;

\echo '[5/7] favorites: 300,000'
insert into favorites (user_id, article_id, article_created_at)
select w.id, a.id, a.created_at
from generate_series(1, 300000) i
-- The offset by i / 100000 keeps (user, article) pairs from repeating.
join writer_ids w on w.n = 1 + (i::bigint * 104729 + i / 100000) % 10000
join articles a on a.id = (select min(id) from articles) + (i * 15485863::bigint) % 100000
on conflict do nothing;

\echo '[6/7] follows: 50,000'
insert into follows (follower_id, followed_id)
select f.id, t.id
from generate_series(1, 50000) i
join writer_ids f on f.n = 1 + i % 10000
join writer_ids t on t.n = 1 + (i * 7727 + i / 10000) % 10000
where f.id <> t.id
on conflict do nothing;

\echo '[7/7] comments: 200,000'
insert into comments (article_id, author_id, body, created_at, updated_at)
select a.id, w.id, 'Comment ' || i || ': thanks, this helped.', a.created_at + interval '1 hour',
       a.created_at + interval '1 hour'
from generate_series(1, 200000) i
join writer_ids w on w.n = 1 + (i * 193) % 10000
join articles a on a.id = (select min(id) from articles) + (i * 49999::bigint) % 100000;

\timing off
\echo 'counters'
update users u set articles_count = c.n
from (select author_id, count(*) as n from articles group by author_id) c where c.author_id = u.id;
\ir after-bulk-load.sql
update articles a set favorites_count = c.n
from (select article_id, count(*) as n from favorites group by article_id) c where c.article_id = a.id;
update users u set favorites_count = c.n
from (select user_id, count(*) as n from favorites group by user_id) c where c.user_id = u.id;

alter table articles enable trigger articles_count;
alter table article_tags enable trigger article_tags_count;
alter table favorites enable trigger user;
alter table articles enable trigger articles_changed;
alter table comments enable trigger user;
alter table follows enable trigger follows_changed;
alter table articles enable trigger timeline_article_changed;
alter table follows enable trigger timeline_follow_changed;
commit;

analyze;
