#!/usr/bin/env python3
"""`make seed-large USERS=N`: a data set of N users for the benchmarks at
scale, in a database of its own (`conduit_large_N`) on the private cluster
(or on DATABASE_URL's server).

What it builds, per user: 2 articles (each with 1-3 tags), 6 favorites,
1 follow and 4 comments: `make bench`'s proportions to its articles. The
shapes are long-tailed, as a real site's are:
- authors: a fifth of the users write; their output is Zipf-like (rank r
  of them writes about r^-2/3 as much as the first);
- tags: sqrt(articles) of them, the popular few on most articles;
- favorites and comments go to articles with the same law, newest first;
  readers favorite a Lomax (Pareto) number of articles, up to 10,000;
- follows: each reader follows each of five celebrity authors with a
  chance of 20%, 8%, 5%, 3.5% and 2.5% (the first is followed by a fifth
  of all users: two million at 10M), and a Lomax number of authors drawn
  by the authors' Zipf law, so that some follow thousands.

Every value is a function of its row's number (PostgreSQL's
`hashint8extended`), so a step redone after an interruption writes the
same rows, and `scripts/bench/mix.lua` can name slugs, users and tags
without asking the database.

Rows are made inside PostgreSQL (`INSERT ... SELECT` over
`generate_series`): nothing crosses the wire, which on this machine is
faster than COPY because no client has to format 200 million rows and the
server parse them again. The secondary indexes, the foreign keys and the
triggers are set aside during the load and restored after it; the totals
are computed once, as the triggers would have kept them.

Resumable: each chunk commits with its mark in `seed_large.progress`; run
it again and it goes on where it stopped. `--check` prints the
distributions the data has and fails if they are not the ones above.
"""

import argparse
import math
import os
import re
import shutil
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from shell import base_url, run, say  # noqa: E402
from release_server import Server  # noqa: E402
from report import write_section  # noqa: E402

CHUNK = 250_000
ARTICLES_PER_USER = 2
FAVORITES_PER_USER = 6
# Lomax mean of the follows drawn by the Zipf law, beside the celebrities'.
FOLLOWS_PER_USER = 0.7
COMMENTS_PER_USER = 4
FAVORITES_CAP = 10_000
FOLLOWS_CAP = 5_000
CELEBRITY_FOLLOWERS = [0.2, 0.08, 0.05, 0.035, 0.025]
PASSWORD = "bench-password"
YEARS = 3
TABLES = ["users", "articles", "tags", "article_tags", "favorites", "follows", "comments"]

# The words titles, slugs and tags are made of (scripts/bench/mix.lua has the same list).
WORDS = ["rust", "web", "aws", "postgres", "cache", "design", "leptos", "wasm", "ops", "scale",
         "async", "tokio", "axum", "sql", "index", "queue", "stream", "deploy", "cloud", "edge",
         "latency", "memory", "thread", "vector", "search", "auth", "token", "cookie", "browser",
         "server", "client", "replica", "shard", "pool", "metric", "trace", "alert", "budget",
         "release", "review", "testing"]

PARAGRAPHS = [
    "Most systems do not fail at the first thousand users; they fail at the first thousand "
    "*concurrent* users, when the one thing everybody shares becomes the thing everybody waits for.",
    "We measured before we changed anything. The profile was flat except for one function, and "
    "that function was called once per row, for every row, on every request.",
    "## What we tried first\n\nA bigger machine. It helped for a week, then the graphs looked the "
    "same again, only higher up and more expensive.",
    "Caching is a promise that the data has not changed. Keeping that promise is the hard part: "
    "[invalidation](https://example.com/invalidation) has to follow the commit, not the request.",
    "```rust\nlet page = cache.get_or_load(key, load(db, window)).await?;\n```\n\nOne line, and "
    "the database sees one query per key instead of one per visitor.",
    "Indexes are the cheapest capacity you will ever buy, until you have forty of them and every "
    "write pays for all forty.",
    "> The fastest query is the one you do not run.\n\nThe second fastest is the one that reads "
    "a single index range and stops.",
    "Read replicas move reads, not problems. A replica that is a second behind will show a user "
    "the past, so the app has to know when it may ask one.",
    "- measure the baseline\n- change one thing\n- measure again, in the same run\n- keep the "
    "change only if the numbers say so",
    "The queue drained at a steady rate all night. In the morning the backlog was gone and nobody "
    "had noticed it was ever there, which is exactly what a queue is for.",
    "Tail latency is where users live. The median request was fine; the ninety-ninth percentile "
    "was a page that took a second, and a busy user loads a hundred pages a day.",
    "We kept the design boring on purpose: one database, one cache, stateless servers, and a CDN "
    "in front. Every box in the diagram has a reason to be there.",
]

COMMENTS = ["Thanks, this helped.", "We hit the same problem last year.", "Great write-up!",
            "How did you measure that?", "Could you share the benchmark script?",
            "This matches what we saw in production.", "Interesting, but what about writes?",
            "Bookmarked for the next incident review."]


class Plan:
    """The sizes of everything, from the number of users."""

    def __init__(self, users):
        self.users = users
        self.articles = ARTICLES_PER_USER * users
        self.authors = max(1, users // 5)
        self.tags = max(20, round(math.sqrt(self.articles)))
        self.comments = COMMENTS_PER_USER * users

    def sql_vars(self):
        return {"users": self.users, "articles": self.articles, "authors": self.authors,
                "tags": self.tags, "comments": self.comments}


def sql_array(values):
    return "array[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# Functions of the row number, in the session's temporary schema: u() is a
# uniform draw in [0, 1), the same for the same (row, purpose) every time.
# Each is one SQL expression without a subquery, called in expressions
# (never in FROM), so that PostgreSQL inlines it instead of calling it per row.
PRELUDE = """
\\set ON_ERROR_STOP on
set statement_timeout = 0;
set idle_in_transaction_session_timeout = 0;
set synchronous_commit = off;
set maintenance_work_mem = '1GB';
set work_mem = '256MB';
create function pg_temp.u(n bigint, purpose int) returns float8 language sql immutable as
  $$ select (hashint8extended(n, purpose) & 4503599627370495)::float8 / 4503599627370496 $$;
-- Article n (0-based; its id is n + 1) was published at this time: evenly
-- over the years before the seed started, the newest last.
create function pg_temp.published(n bigint) returns timestamptz language sql immutable as
  $$ select '{started}'::timestamptz
            - make_interval(years => {years})
            + make_interval(years => {years}) * ((n + 0.5) / {articles}) $$;
-- Zipf-like ranks: rank r of `size` comes up about r^-(1 - 1/power) as often as the first.
create function pg_temp.zipf(n bigint, purpose int, size bigint, power float8) returns bigint
  language sql immutable as
  $$ select least(size - 1, floor(size * pg_temp.u(n, purpose) ^ power))::bigint $$;
-- A Lomax (Pareto II) count with the given mean, tail index `alpha` and cap
-- (rounded up or down at random, so that the mean stays what it is).
create function pg_temp.lomax(n bigint, purpose int, mean float8, alpha float8, cap int)
  returns int language sql immutable as
  $$ select least(cap, floor(mean * (alpha - 1) * ((1 - pg_temp.u(n, purpose)) ^ (-1 / alpha) - 1)
                             + pg_temp.u(n, purpose + 100)))::int $$;
-- The article a favorite, comment or reader goes to: popular and recent first.
create function pg_temp.article(n bigint, purpose int) returns bigint language sql immutable as
  $$ select {articles} - 1 - pg_temp.zipf(n, purpose, {articles}, 3) $$;
"""


class Seeder:
    def __init__(self, base, plan):
        self.base = base
        self.plan = plan
        self.database = f"conduit_large_{plan.users}"
        self.url = f"{base}/{self.database}"
        # When the build began: the articles' dates count back from it.
        self.started = None

    def psql(self, sql, single=True, **variables):
        args = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
        if single:
            args.append("-1")
        for name, value in variables.items():
            args += ["-v", f"{name}={value}"]
        if self.started is None:
            self.started = self.scalar("select started from seed_large.build")
        script = PRELUDE.format(years=YEARS, started=self.started, **self.plan.sql_vars()) + sql
        return run(*args, self.url, input=script).strip()

    def scalar(self, sql):
        return run("psql", "-X", "-qtAc", sql, self.url).strip()

    # -- the steps ---------------------------------------------------------

    def steps(self):
        p = self.plan
        # Users come last: their totals are counted from what the others made.
        return [
            ("favorites", p.users, self.favorites),
            ("follows", p.users, self.follows),
            ("articles", p.articles, self.articles),
            ("comments", p.comments, self.comments),
            ("users", p.users, self.users),
        ]

    def done(self, step, chunk=0):
        return self.scalar(f"select 1 from seed_large.progress where step = '{step}' and chunk = {chunk}") == "1"

    def mark(self, step, chunk, rows):
        return (f"insert into seed_large.progress (step, chunk, rows) values ('{step}', {chunk}, {rows});")

    def users(self, lo, hi):
        hash_ = self.scalar("select password_hash from users where username = 'bench'")
        bios = sql_array(["Writes about " + w + "." for w in WORDS])
        return f"""
insert into users (id, username, username_key, email, password_hash, bio, articles_count,
                   favorites_count, created_at, updated_at)
overriding system value
select r + 2, 'user' || r, 'user' || r, 'user' || r || '@example.com', :'hash',
       case when pg_temp.u(r, 20) < 0.3 then ({bios})[1 + r % {len(WORDS)}] end,
       coalesce(t.articles, 0), coalesce(t.favorites, 0),
       pg_temp.published(0) + make_interval(days => (r % 365)::int),
       pg_temp.published(0) + make_interval(days => (r % 365)::int)
from generate_series({lo}::bigint, {hi - 1}) r
left join seed_large.user_totals t on t.user_id = r + 2 and t.user_id between {lo + 2} and {hi + 1};
""", {"hash": hash_}

    def favorites(self, lo, hi):
        return f"""
insert into favorites (user_id, article_id, article_created_at, created_at)
select distinct on (r, a) r + 2, a + 1, pg_temp.published(a),
       least(now(), pg_temp.published(a) + make_interval(days => (1 + (r + a) % 60)::int))
from generate_series({lo}::bigint, {hi - 1}) r,
     generate_series(1, pg_temp.lomax(r, 6, {FAVORITES_PER_USER}, 1.5, {FAVORITES_CAP})) k,
     lateral (select pg_temp.article(r * {FAVORITES_CAP} + k, 7) as a) article
on conflict do nothing;
""", {}

    def follows(self, lo, hi):
        # The celebrities are the authors of rank 0 to 4.
        chances = "array[" + ", ".join(str(c) for c in CELEBRITY_FOLLOWERS) + "]"
        return f"""
insert into follows (follower_id, followed_id, created_at)
select distinct on (r, f) r + 2, f + 2, pg_temp.published(0) + make_interval(days => ((r + f) % 700)::int)
from generate_series({lo}::bigint, {hi - 1}) r,
     lateral (select c as f from generate_series(0, {len(CELEBRITY_FOLLOWERS) - 1}) c
              where pg_temp.u(r * 8 + c, 9) < ({chances})[c + 1]
              union all
              select pg_temp.zipf(r * {FOLLOWS_CAP} + k, 11, {self.plan.authors}, 3)
              from generate_series(1, pg_temp.lomax(r, 8, {FOLLOWS_PER_USER}, 1.2, {FOLLOWS_CAP})) k
             ) followed
where f <> r
on conflict do nothing;
""", {}

    def articles(self, lo, hi):
        words = sql_array(WORDS)
        paragraphs = sql_array(PARAGRAPHS)
        n = len(WORDS)
        # Titles from the article's number by plain arithmetic, which mix.lua repeats.
        return f"""
create temporary table chunk on commit drop as
select n, n + 1 as id,
       2 + pg_temp.zipf(n, 1, {self.plan.authors}, 3) as author_id,
       initcap(w1 || ' ' || w2 || ' ' || w3) as title,
       w1 || '-' || w2 || '-' || w3 || '-' || (n + 1) as slug,
       pg_temp.published(n) as created_at,
       array(select t.name from tags t
             -- `= any(array)`: a probe of the primary key per tag, where `in`
             -- would scan every tag for every article.
             where t.id = any(array(select 1 + pg_temp.zipf(n * 4 + j, 5, {self.plan.tags}, 2.5)
                                    from generate_series(0, (pg_temp.u(n, 4) * 3)::int % 3) j))
             order by t.name collate "C") as tag_list
from generate_series({lo}::bigint, {hi - 1}) n,
     lateral (select ({words})[1 + n % {n}] as w1,
                     ({words})[1 + (n / {n}) % {n}] as w2,
                     ({words})[1 + (n / {n * n}) % {n}] as w3) w;
insert into articles (id, author_id, slug, title, description, body, tag_list, favorites_count,
                      created_at, updated_at)
overriding system value
select c.id, c.author_id, c.slug, c.title,
       'What ' || lower(c.title) || ' taught us at ten million users',
       array_to_string(array(select ({paragraphs})[1 + (hashint8extended(c.n * 8 + j, 3) & 1023) % {len(PARAGRAPHS)}]
                             from generate_series(0, (pg_temp.u(c.n, 2) * 3)::int % 3) j), E'\\n\\n'),
       c.tag_list, coalesce(f.favorites, 0), c.created_at, c.created_at
from chunk c
-- Bounded to the chunk's range, so that each chunk reads its own part of
-- the counts' index, never the whole table.
left join seed_large.article_favorites f on f.article_id = c.id and f.article_id between {lo + 1} and {hi};
insert into article_tags (article_id, tag_id, article_created_at)
select c.id, t.id, c.created_at from chunk c join tags t on t.name = any(c.tag_list);
""", {}

    def comments(self, lo, hi):
        bodies = sql_array(COMMENTS)
        return f"""
insert into comments (id, article_id, author_id, body, created_at, updated_at)
overriding system value
select c + 1, a + 1, 2 + pg_temp.zipf(c, 13, {self.plan.users}, 2),
       ({bodies})[1 + c % {len(COMMENTS)}],
       least(now(), pg_temp.published(a) + make_interval(hours => 1 + (c % 240)::int)),
       least(now(), pg_temp.published(a) + make_interval(hours => 1 + (c % 240)::int))
from generate_series({lo}::bigint, {hi - 1}) c, lateral (select pg_temp.article(c, 12) as a) article;
""", {}

    # -- around the chunks -------------------------------------------------

    def migrate(self):
        """The schema, by the server itself (its migrations), and the bench user."""
        if not self.database_exists():
            run("psql", f"{self.base}/postgres", "-qc", f"create database {self.database}")
        if self.table_exists("seed_large.build"):
            return
        with Server(self.url, CACHE_ENABLED="false") as server:
            request = urllib.request.Request(
                f"http://{server.addr}/api/users", method="POST",
                data=('{"user":{"username":"bench","email":"bench@example.com","password":"'
                      + PASSWORD + '"}}').encode(),
                headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=30).read()
        run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url, input=f"""
create schema seed_large;
create table seed_large.build (users bigint not null, started timestamptz not null default now(),
                               finished timestamptz);
insert into seed_large.build (users) values ({self.plan.users});
create table seed_large.progress (step text, chunk int, rows bigint,
                                  at timestamptz not null default clock_timestamp(),
                                  primary key (step, chunk));
create table seed_large.deferred (name text primary key, tbl text not null, kind text not null,
                                  definition text not null);
""")

    def database_exists(self):
        return run("psql", "-X", "-qtAc",
                   f"select 1 from pg_database where datname = '{self.database}'",
                   f"{self.base}/postgres").strip() == "1"

    def table_exists(self, name):
        return self.scalar(f"select to_regclass('{name}') is not null") == "t"

    def set_aside(self):
        """Secondary indexes, unique constraints and foreign keys go (their
        definitions kept), and the triggers stop, until `restore`."""
        if self.done("set-aside"):
            return
        tables = "array[" + ", ".join(f"'{t}'::regclass" for t in TABLES) + "]"
        self.psql(f"""
insert into seed_large.deferred (name, tbl, kind, definition)
select conname, conrelid::regclass::text, case contype when 'f' then 'foreign key' else 'unique' end,
       pg_get_constraintdef(oid)
from pg_constraint where contype in ('f', 'u') and conrelid = any({tables})
  and conrelid <> 'tags'::regclass
on conflict do nothing;
insert into seed_large.deferred (name, tbl, kind, definition)
select indexrelid::regclass::text, indrelid::regclass::text, 'index', pg_get_indexdef(indexrelid)
from pg_index i
where indrelid = any({tables}) and indrelid <> 'tags'::regclass and not indisprimary
  and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
on conflict do nothing;
do $$
declare d record;
begin
    for d in select * from seed_large.deferred where kind = 'foreign key' loop
        execute format('alter table %s drop constraint if exists %I', d.tbl, d.name);
    end loop;
    for d in select * from seed_large.deferred where kind = 'unique' loop
        execute format('alter table %s drop constraint if exists %I', d.tbl, d.name);
    end loop;
    for d in select * from seed_large.deferred where kind = 'index' loop
        execute format('drop index if exists %s', d.name);
    end loop;
end $$;
{"".join(f"alter table {t} disable trigger user;" for t in TABLES)}
{self.mark("set-aside", 0, 0)}
""")

    def tags(self):
        if self.done("tags"):
            return
        words = sql_array(WORDS)
        n = len(WORDS)
        self.psql(f"""
insert into tags (id, name) overriding system value
select t + 1, ({words})[1 + t % {n}] || case when t >= {n} then '-' || (t / {n}) else '' end
from generate_series(0, {self.plan.tags - 1}) t;
{self.mark("tags", 0, self.plan.tags)}
""")

    def totals(self, step):
        """What the triggers would have counted, before the rows that show it:
        each article's favorites, each user's articles and favorites."""
        if step == "articles" and not self.done("article-favorites"):
            self.psql(f"""
create table seed_large.article_favorites as
select article_id, count(*)::int as favorites from favorites group by article_id;
alter table seed_large.article_favorites add primary key (article_id);
{self.mark("article-favorites", 0, 0)}
""")
        if step == "users" and not self.done("user-totals"):
            self.psql(f"""
create table seed_large.user_totals as
select coalesce(a.user_id, f.user_id) as user_id, coalesce(a.n, 0)::int as articles,
       coalesce(f.n, 0)::int as favorites
from (select author_id as user_id, count(*) as n from articles group by 1) a
full join (select user_id, count(*) as n from favorites group by 1) f on f.user_id = a.user_id;
alter table seed_large.user_totals add primary key (user_id);
{self.mark("user-totals", 0, 0)}
""")

    def counters(self):
        """The totals' shards counted from the rows, and the timelines left
        for the servers to build (scripts/bench/after-bulk-load.sql)."""
        if self.done("counters"):
            return
        after = (ROOT / "scripts" / "bench" / "after-bulk-load.sql").read_text()
        self.psql(f"{after}\n{self.mark('counters', 0, 0)}\n")

    def restore(self, progress):
        names = [n for n in self.scalar(
            "select string_agg(name, ' ' order by case kind when 'index' then 0 "
            "when 'unique' then 1 else 2 end, name) from seed_large.deferred").split() if n]
        for name in names:
            step = f"restore {name}"
            if self.done(step):
                continue
            progress.show(step)
            self.psql(f"""
do $$
declare d record;
begin
    select * into d from seed_large.deferred where name = '{name}';
    if d.kind = 'index' then
        execute d.definition;
    else
        execute format('alter table %s add constraint %I %s', d.tbl, d.name, d.definition);
    end if;
end $$;
{self.mark(step, 0, 0)}
""")
            progress.advance(step)

    def finish(self):
        if self.done("finish"):
            return
        self.psql(f"""
{"".join(f"alter table {t} enable trigger user;" for t in TABLES)}
select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users));
select setval(pg_get_serial_sequence('articles', 'id'), (select max(id) from articles));
select setval(pg_get_serial_sequence('comments', 'id'), (select max(id) from comments));
select setval(pg_get_serial_sequence('tags', 'id'), (select max(id) from tags));
drop table seed_large.article_favorites, seed_large.user_totals;
{self.mark("finish", 0, 0)}
""")
        if not self.done("vacuum"):
            say("vacuum and analyze (the visibility map lets lists read their indexes alone)")
            run("psql", "-X", "-qc", "set statement_timeout = 0", "-c", "vacuum (analyze)", self.url)
            self.psql(f"update seed_large.build set finished = now(); {self.mark('vacuum', 0, 0)}")

    def build(self):
        started = time.monotonic()
        self.migrate()
        self.set_aside()
        self.tags()
        progress = Progress(self)
        for name, total, make in self.steps():
            self.totals(name)
            chunks = (total + CHUNK - 1) // CHUNK
            for chunk in range(chunks):
                if self.done(name, chunk):
                    progress.skip(name, chunk)
                    continue
                lo, hi = chunk * CHUNK, min(total, (chunk + 1) * CHUNK)
                sql, variables = make(lo, hi)
                progress.show(f"{name} {lo:,}-{hi:,} of {total:,}")
                self.psql(sql + self.mark(name, chunk, hi - lo), **variables)
                progress.advance(name, chunk)
        progress.show("counters")
        self.counters()
        progress.advance("counters")
        self.restore(progress)
        self.finish()
        progress.close()
        return time.monotonic() - started

    # -- what was built -----------------------------------------------------

    def summary(self):
        row = self.scalar("""
select format('%s|%s|%s|%s|%s|%s|%s|%s',
    (select count(*) from users), (select count(*) from articles), (select count(*) from tags),
    (select count(*) from favorites), (select count(*) from follows), (select count(*) from comments),
    pg_size_pretty(pg_database_size(current_database())),
    extract(epoch from (select finished - started from seed_large.build))::int)""")
        return dict(zip(["users", "articles", "tags", "favorites", "follows", "comments", "size",
                         "seconds"], row.split("|")))

    def distributions(self):
        """The shapes the module's docstring claims, measured on the data."""
        q = self.scalar
        authors = int(q("select count(*) from users where articles_count > 0"))
        top_authors = max(1, authors // 100)
        return {
            "articles per user": float(q("select count(*)::float8 / (select count(*) from users) from articles")),
            "favorites per user": float(q("select count(*)::float8 / (select count(*) from users) from favorites")),
            "follows per user": float(q("select count(*)::float8 / (select count(*) from users) from follows")),
            "comments per user": float(q("select count(*)::float8 / (select count(*) from users) from comments")),
            "share of users who write": authors / int(q("select count(*) from users")),
            "share of articles by the top 1% of authors": float(q(
                f"select sum(articles_count)::float8 / (select count(*) from articles) from "
                f"(select articles_count from users order by articles_count desc limit {top_authors}) t")),
            "share of article tags on the top 1% of tags": float(q(
                "select sum(n)::float8 / (select count(*) from article_tags) from (select count(*) n "
                "from article_tags group by tag_id order by n desc limit greatest(1, "
                "(select count(*) from tags) / 100)) t")),
            "share of users following the top author": float(q(
                "select count(*)::float8 / (select count(*) from users) from follows "
                "where followed_id = (select followed_id from follows group by 1 order by count(*) desc limit 1)")),
            "most follows by one reader": int(q(
                "select coalesce(max(n), 0) from (select count(*) n from follows group by follower_id) t")),
            "most favorites by one reader": int(q("select max(favorites_count) from users")),
            "share of favorites on the newest tenth of articles": float(q(
                "select count(*)::float8 / greatest(1, (select count(*) from favorites)) from favorites "
                "where article_id > (select max(id) from articles) * 0.9")),
            "counters equal to counting": q("""
select (select sum(articles) from article_total_shards) = (select count(*) from articles)
   and not exists (select 1 from users u where articles_count <> (select count(*) from articles a where a.author_id = u.id) limit 1)
   and not exists (select 1 from tags t where (select sum(articles) from tag_count_shards s where s.tag_id = t.id)
                                               <> (select count(*) from article_tags x where x.tag_id = t.id))""") == "t"
            if self.plan.users <= 100_000 else None,
        }


class Progress:
    """A bar and an estimate of the time left, by the rows each step makes
    (restoring an index counts as much as making its table's rows)."""

    def __init__(self, seeder):
        p = seeder.plan
        favorites, comments = FAVORITES_PER_USER * p.users, p.comments
        self.weights = {"users": p.users, "favorites": favorites, "follows": p.users,
                        "articles": p.articles * 3, "comments": comments,
                        "counters": favorites + p.articles}
        restore = 3 * (p.users + p.articles + favorites + comments)
        self.total = sum(self.weights.values()) + restore
        self.restore_each = restore / max(1, int(seeder.scalar("select count(*) from seed_large.deferred")))
        self.done = 0
        self.started = time.monotonic()
        self.done_at_start = None
        self.tty = sys.stderr.isatty()
        # Rows of each chunked step, for the weight of one chunk.
        self.rows = {name: total for name, total, _ in seeder.steps()}

    def weight(self, step, chunk=None):
        if step.startswith("restore "):
            return self.restore_each
        total = self.weights[step]
        if chunk is None:
            return total
        chunks = (self.rows[step] + CHUNK - 1) // CHUNK
        return total / chunks

    def skip(self, step, chunk=None):
        self.done += self.weight(step, chunk)

    def advance(self, step, chunk=None):
        if self.done_at_start is None:
            self.done_at_start = self.done
        self.done += self.weight(step, chunk)

    def show(self, what):
        if self.done_at_start is None:
            self.done_at_start = self.done
        share = min(1.0, self.done / self.total)
        elapsed = time.monotonic() - self.started
        made = self.done - self.done_at_start
        left = "estimating" if made <= 0 else \
            f"{(self.total - self.done) * elapsed / made / 60:.0f} min left"
        width = 30
        bar = "#" * int(share * width) + "." * (width - int(share * width))
        line = f"[{bar}] {share * 100:5.1f}%  {elapsed / 60:5.1f} min, {left}  {what}"
        if self.tty:
            columns = shutil.get_terminal_size().columns
            print("\r" + line[:columns - 1].ljust(columns - 1), end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self):
        if self.tty:
            print(file=sys.stderr)


def check(seeder):
    """Fails unless the data has the shapes the docstring claims."""
    d = seeder.distributions()
    for name, value in d.items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        print(f"{name}: {shown}")
    claims = [
        ("articles per user", 1.9 <= d["articles per user"] <= 2.01),
        ("favorites per user", 4.0 <= d["favorites per user"] <= 7.0),
        ("follows per user", 0.7 <= d["follows per user"] <= 1.3),
        ("comments per user", 3.9 <= d["comments per user"] <= 4.01),
        ("share of users who write", 0.1 <= d["share of users who write"] <= 0.21),
        ("share of articles by the top 1% of authors", d["share of articles by the top 1% of authors"] >= 0.15),
        ("share of article tags on the top 1% of tags", d["share of article tags on the top 1% of tags"] >= 0.1),
        ("share of users following the top author", d["share of users following the top author"] >= 0.18),
        ("most follows by one reader", d["most follows by one reader"] >= 30),
        ("share of favorites on the newest tenth of articles",
         d["share of favorites on the newest tenth of articles"] >= 0.3),
        ("counters equal to counting", d["counters equal to counting"] in (True, None)),
    ]
    wrong = [name for name, ok in claims if not ok]
    if wrong:
        sys.exit(f"seed-large: the data does not have the claimed shape: {', '.join(wrong)}")
    print("seed-large: the distributions are as claimed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS", "10000000")))
    parser.add_argument("--check", action="store_true", help="check the distributions after building")
    parser.add_argument("--fresh", action="store_true", help="drop the database and start over")
    args = parser.parse_args()
    if args.users < 1000:
        sys.exit("seed-large: USERS must be at least 1000")
    base = base_url()
    seeder = Seeder(base, Plan(args.users))
    if args.fresh:
        run("psql", f"{base}/postgres", "-qc", f"drop database if exists {seeder.database} with (force)")
    say(f"building {seeder.database}: {args.users:,} users, {seeder.plan.articles:,} articles, "
        f"{seeder.plan.tags:,} tags (resumable: run it again to go on)")
    seeder.build()
    s = seeder.summary()
    say(f"{seeder.database}: {int(s['users']):,} users, {int(s['articles']):,} articles, "
        f"{int(s['tags']):,} tags, {int(s['favorites']):,} favorites, {int(s['follows']):,} follows, "
        f"{int(s['comments']):,} comments; {s['size']} on disk; built in {int(s['seconds']) / 60:.0f} min")
    if args.check:
        check(seeder)
    elif args.users >= 100_000:
        lines = [f"## `make seed-large USERS={args.users}`", "",
                 "Written by `make seed-large` (scripts/seed-large.py); do not edit by hand.", "",
                 f"- Database `{seeder.database}`: {int(s['users']):,} users, {int(s['articles']):,} "
                 f"articles, {int(s['tags']):,} tags, {int(s['favorites']):,} favorites, "
                 f"{int(s['follows']):,} follows, {int(s['comments']):,} comments.",
                 f"- {s['size']} on disk (indexes included), built in "
                 f"{int(s['seconds']) / 60:.0f} min on {os.cpu_count()} cores.", "",
                 "| Shape | Measured |", "|---|---:|"]
        for name, value in seeder.distributions().items():
            if value is not None:
                lines.append(f"| {name} | {value:.3f} |" if isinstance(value, float)
                             else f"| {name} | {value} |")
        write_section(f"seed-large-{args.users}", "\n".join(lines))


if __name__ == "__main__":
    main()
