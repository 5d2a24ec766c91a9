#!/usr/bin/env python3
"""`make explain USERS=N`: `EXPLAIN (ANALYZE, BUFFERS)` of every query the
app makes, on the data set `make seed-large USERS=N` built, into
docs/queries.md (10M users, the default) or docs/queries-N.md.

The queries are the ones the app is compiled with (`.sqlx/`, which
`make sqlx-prepare` writes from the `query!` macros), each prepared with
its own parameter types and executed with the values that make it work
hardest on this data: the most prolific author and a quiet one, the
heaviest follower and a reader of one quiet author, the most used tag,
the deepest offset the API serves, and so on. Writes run inside a
transaction that is rolled back.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from shell import run  # noqa: E402
TYPES = {"Int8": "bigint", "Int4": "integer", "Text": "text", "TextArray": "text[]",
         "Int8Array": "bigint[]", "Bool": "boolean", "Timestamptz": "timestamptz",
         "TimestamptzArray": "timestamptz[]"}
DEEPEST = 10_000  # Window::MAX_OFFSET

# The values the cases use, read from the data first.
SAMPLES = """
select json_build_object(
  'prolific', (select id from users order by articles_count desc limit 1),
  'prolific_key', (select username_key from users order by articles_count desc limit 1),
  'quiet_key', (select username_key from users where articles_count = 1 limit 1),
  'heavy_reader', (select follower_id from follows group by 1 order by count(*) desc limit 1),
  'quiet_reader', (select f.follower_id from follows f join users u on u.id = f.followed_id
                   where u.articles_count between 1 and 3
                     and not exists (select 1 from follows g where g.follower_id = f.follower_id
                                     and g.followed_id <> f.followed_id) limit 1),
  'favoriter', (select id from users order by favorites_count desc limit 1),
  'favoriter_key', (select username_key from users order by favorites_count desc limit 1),
  'popular_tag', (select t.name from tag_count_shards s join tags t on t.id = s.tag_id
                  group by t.name order by sum(s.articles) desc limit 1),
  'article', (select article_id from comments group by 1 order by count(*) desc limit 1),
  'slug', (select slug from articles where id = (select article_id from comments group by 1
                                                order by count(*) desc limit 1)),
  'created', (select created_at from articles where id = (select article_id from comments group by 1
                                                          order by count(*) desc limit 1)),
  'comment', (select id from comments order by id desc limit 1),
  'comment_article', (select article_id from comments order by id desc limit 1),
  'email', (select email from users order by id desc limit 1),
  'page_ids', (select array_agg(id) from (select id from articles order by created_at desc limit 20) t),
  'page_authors', (select array_agg(author_id) from (select author_id from articles order by created_at desc limit 20) t),
  'anchor_created', (select created_at from articles order by created_at desc, id desc offset 9999 limit 1),
  'anchor_id', (select id from articles order by created_at desc, id desc offset 9999 limit 1),
  'prolific_anchor_created', (select created_at from articles
                              where author_id = (select id from users order by articles_count desc limit 1)
                              order by created_at desc, id desc offset 9999 limit 1),
  'prolific_anchor_id', (select id from articles
                         where author_id = (select id from users order by articles_count desc limit 1)
                         order by created_at desc, id desc offset 9999 limit 1),
  'tag_anchor_created', (select at.article_created_at from article_tags at
                         where at.tag_id = (select tag_id from tag_count_shards group by 1 order by sum(articles) desc limit 1)
                         order by at.article_created_at desc, at.article_id desc offset 9999 limit 1),
  'tag_anchor_id', (select at.article_id from article_tags at
                    where at.tag_id = (select tag_id from tag_count_shards group by 1 order by sum(articles) desc limit 1)
                    order by at.article_created_at desc, at.article_id desc offset 9999 limit 1),
  'newcomer', (select id from users u
               where not exists (select 1 from follows f where f.follower_id = u.id) limit 1),
  'celebrity', (select followed_id from follows group by 1 order by count(*) desc limit 1),
  'celebrity_followers', (select array_agg(follower_id) from (
                            select follower_id from follows
                            where followed_id = (select followed_id from follows group by 1
                                                 order by count(*) desc limit 1)
                            order by follower_id limit 100) f),
  'celebrity_reader', (select f.follower_id from follows f
                       where f.followed_id = (select followed_id from follows group by 1
                                              order by count(*) desc limit 1)
                       order by (select count(*) from follows g where g.follower_id = f.follower_id) desc
                       limit 1),
  'prolific_ids', (select array_agg(id)::text from (select id from articles
                   where author_id = (select id from users order by articles_count desc limit 1)
                   order by created_at desc, id desc limit 1000) a),
  'prolific_ats', (select array_agg(created_at)::text from (select id, created_at from articles
                   where author_id = (select id from users order by articles_count desc limit 1)
                   order by created_at desc, id desc limit 1000) a),
  'heavy_follows', (select array_agg(followed_id) from (
                      select followed_id from follows
                      where follower_id = (select follower_id from follows group by 1 order by count(*) desc limit 1)
                      order by followed_id limit 200) f),
  'heavy_follows_readers', (select array_agg(follower_id) from (
                      select follower_id from follows
                      where follower_id = (select follower_id from follows group by 1 order by count(*) desc limit 1)
                      order by followed_id limit 200) f),
  'sidebar', (select array_agg(name) from (select t.name from tag_count_shards s join tags t on t.id = s.tag_id
                                           group by t.name order by sum(s.articles) desc limit 30) t)
)
"""

# A distinctive piece of each query's text, and its cases: a label and the
# parameters (names of samples, or values).
CASES = [
    ("from articles order by created_at desc, id desc limit $1 offset $2",
     [("first page", [20, 0]), ("deepest page", [20, DEEPEST])]),
    ("from articles where (created_at, id) < ($1, $2)",
     [("deepest page, from its anchor (caches on)", ["anchor_created", "anchor_id", 20, 0])]),
    ("and (at.article_created_at, at.article_id) < ($2, $3)",
     [("most used tag, deepest page, from its anchor (caches on)",
       ["popular_tag", "tag_anchor_created", "tag_anchor_id", 20, 0])]),
    ("where author_id = $1 and (created_at, id) < ($2, $3)",
     [("most prolific author, deepest page, from its anchor (caches on)",
       ["prolific", "prolific_anchor_created", "prolific_anchor_id", 20, 0])]),
    ("from articles where author_id = $1 order by created_at desc, id desc limit $2) newest",
     [("the most prolific author's anchors (once per article written)", ["prolific", DEEPEST, 100])]),
    ('select created_at as "created_at!", id as "id!" from',
     [("the global list's anchors (once per article written)", [DEEPEST, 100])]),
    ('select article_created_at as "created_at!", article_id as "id!" from',
     [("the most used tag's anchors (once per article written)", ["popular_tag", DEEPEST, 100])]),
    ("where at.tag_id = (select id from tags where name = $1) order by",
     [("most used tag, first page", ["popular_tag", 20, 0]),
      ("most used tag, deepest page", ["popular_tag", 20, DEEPEST])]),
    ("where author_id = (select id from users where username_key = $1) order by created_at desc",
     [("most prolific author, first page", ["prolific_key", 20, 0]),
      ("most prolific author, deepest page", ["prolific_key", 20, DEEPEST]),
      ("a quiet author", ["quiet_key", 20, 0])]),
    ("select array(select article_id from favorites where user_id = (select id from users where username_key = $1)",
     [("heaviest favoriter, first page", ["favoriter_key", 20, 0]),
      ("heaviest favoriter, deepest page", ["favoriter_key", 20, DEEPEST])]),
    ("with matches as materialized ( select a.id, a.created_at from articles a where a.author_id",
     [("prolific author and tag", ["prolific_key", "popular_tag", None, 20, 0, DEEPEST + 100])]),
    ("with matches as materialized ( select f.article_id as id",
     [("heaviest favoriter and tag", ["favoriter_key", "popular_tag", 20, 0, DEEPEST + 100])]),
    ("with pulled as materialized (",
     [("heaviest follower, first page (timeline)", ["heavy_reader", 20, 0]),
      ("heaviest follower, deepest page (timeline)", ["heavy_reader", 20, DEEPEST]),
      ("the heaviest follower of the most followed author, first page", ["celebrity_reader", 20, 0]),
      ("reader of one quiet author (timeline)", ["quiet_reader", 20, 0])]),
    ('select count(*) as "followed!"',
     [("heaviest follower", ["heavy_reader"]), ("reader of one quiet author", ["quiet_reader"])]),
    ("where exists (select 1 from follows f where f.follower_id = $1 and f.followed_id = a.author_id)",
     [("heaviest follower, first page (its plan without a timeline)", ["heavy_reader", 20, 0]),
      ("heaviest follower, deepest page", ["heavy_reader", 20, DEEPEST])]),
    ("cross join lateral ( select a.id, a.created_at from articles a where a.author_id = f.followed_id",
     [("reader of one quiet author (its plan without a timeline)", ["quiet_reader", 20, 0]),
      ("the heaviest follower of the most followed author, first page (without a timeline)",
       ["celebrity_reader", 20, 0]),
      ("heaviest follower, deepest page (its plan)", ["heavy_reader", 20, DEEPEST])]),
    ("case when $2 then a.body end as body", [("a page of 20 articles", ["page_ids", False]),
                                               ("one article with its body", ["[article]", True])]),
    ('a.body as "body?"', [("one article by its slug, with its body", ["slug"])]),
    ("select array(select article_id from favorites where user_id = $1 and article_id = any($2))",
     [("a page, for the heaviest favoriter", ["favoriter", "page_ids", "page_authors"])]),
    ("from comments c join users u on u.id = c.author_id",
     [("the most commented article", ["article", 100, 0])]),
    ("select tag_id from tag_ranks order by articles desc, tag_id", [("the sidebar", [20, 10])]),
    ("select pg_try_advisory_xact_lock(hashtext('tag_ranks'))", [("one server ranks the tags", [])]),
    ("with counted as (", [("the tags ranked by use (once a minute)", [])]),
    ('select name as "name!" from tags_in_use', [("every tag", ["sidebar"])]),
    ("select id, author_id, slug, title, created_at from articles where slug = $1", [("by slug", ["slug"])]),
    ("select id, username, bio, image from users where username_key = $1", [("a profile", ["prolific_key"])]),
    ("select id from users where username_key = $1", [("a name", ["prolific_key"])]),
    ("select id, username, email, bio, image, session_epoch from users where id = $1", [("by id", ["prolific"])]),
    ("from users where lower(email) = lower($1)", [("sign-in", ["email"])]),
    ("select u.session_epoch as epoch", [("a session", ["prolific"])]),
    ("select author_id from comments where id = $1 and article_id = $2",
     [("a comment", ["comment", "comment_article"])]),
    # Writes, rolled back.
    ("insert into articles (author_id, slug, title, description, body)",
     [("publish", ["prolific", "explain-slug", "Title", "Description", "Body"])]),
    ("insert into tags (name) select unnest", [("tags", [["explain-tag", "popular_tag"]])]),
    ("insert into article_tags", [("tag an article", ["article", "created", ["popular_tag"]])]),
    ("update articles set tag_list = $2", [("its tag list", ["article", ["popular_tag"]])]),
    ("delete from article_tags where article_id = $1", [("untag", ["article", ["popular_tag"]])]),
    ("update articles set title = coalesce($2, title)", [("edit", ["article", "New title", None, None])]),
    ("update articles set slug = $2", [("new slug", ["article", "explain-new-slug"])]),
    ("delete from articles where id = $1", [("delete the most commented article", ["article"])]),
    ("insert into favorites", [("favorite", ["quiet_reader", "article"])]),
    ("delete from favorites where user_id = $1", [("unfavorite", ["favoriter", "article"])]),
    ("insert into follows", [("follow", ["quiet_reader", "prolific"])]),
    ("delete from follows", [("unfollow", ["heavy_reader", "prolific"])]),
    ("insert into comments", [("comment", ["article", "quiet_reader", "Well said."])]),
    ("delete from comments where id = $1", [("delete a comment", ["comment"])]),
    ("select article_id from article_purges where run_after <= now()", [("the purge queue's next", [])]),
    ("delete from favorites where (user_id, article_id) in (",
     [("a purge batch of the most commented article's favorites", ["article", 1000])]),
    ("delete from comments where id in (",
     [("a purge batch of the most commented article's comments", ["article", 1000])]),
    ("delete from article_purges where article_id = $1", [("an article leaves the purge queue", ["article"])]),
    ("update article_purges set attempts = attempts + 1",
     [("a purge batch failed", ["article", "an error"])]),
    # The timelines' jobs and backfill (app/src/backend/timelines).
    ("select (select count(*) from (select 1 from timeline_jobs limit $1) j)",
     [("the queues' backlog (each metrics scrape)", [100000])]),
    ("from timeline_jobs where run_after <= now()", [("the timeline queue's next", [])]),
    ("delete from timeline_jobs where id = $1", [("a job done", [0])]),
    ("update timeline_jobs set cursor_id = $2", [("a job's progress", [0, 1, None])]),
    ("update timeline_jobs set attempts = attempts + 1", [("a job's batch failed", [0, "an error"])]),
    ("select since from timeline_pulled_authors", [("is the most followed author pulled", ["celebrity"])]),
    ("select follower_id from follows where followed_id = $1 and follower_id > $2",
     [("a batch of the most followed author's followers", ["celebrity", 0, 1000])]),
    ("select 1 as one from articles where id = $1 for key share", [("an article held", ["article"])]),
    ("select reader, $2, $3, $4 from unnest($1::bigint[]) reader",
     [("an article pushed to its followers (100 at most)", ["celebrity_followers", "created", "article", "celebrity"])]),
    ('select articles_count::bigint as "n!" from users', [("an author's articles", ["prolific"])]),
    ("delete from timelines where reader_id = any($1)",
     [("an article leaves its followers' timelines (100)", ["celebrity_followers", "created", "article"])]),
    ("select 1 as one from follows where follower_id = $1 and followed_id = $2",
     [("a follow held", ["heavy_reader", "prolific"])]),
    ("select created_at, article_id, author_id from timelines where reader_id = $1",
     [("an unfollow's first batch of the heaviest follower's timeline", ["heavy_reader", None, 0, 1000])]),
    ("delete from timelines t using unnest($3::timestamptz[], $4::bigint[])",
     [("an unfollow's batch", ["heavy_reader", "prolific", "prolific_ats", "prolific_ids"])]),
    ("select next_reader, next_author from timeline_backfill", [("the backfill's cursor", [])]),
    ('select follower_id as "reader!", followed_id as "author!" from (',
     [("the backfill's next follows, from the heaviest follower", ["heavy_reader", 0, DEEPEST + 100, 1000, 10000])]),
    ("join unnest($1::bigint[], $2::bigint[]) b (reader, author)",
     [("a backfill batch's follows locked: the heaviest follower's first 200",
       ["heavy_follows_readers", "heavy_follows"])]),
    ("update timeline_backfill set done = true", [("the backfill done", [])]),
    ("with widely as (",
     [("is the most followed author pulled (a publication's first batch; pulled if need be)",
       [["celebrity"], 100]),
      ("a backfill batch's authors, pulled if followed by many", ["heavy_follows", 100])]),
    ("from unnest($1::bigint[], $2::bigint[]) f (reader, author)",
     [("a follow of the most prolific author", ["[newcomer]", "[prolific]", DEEPEST + 100]),
      ("a backfill batch: the heaviest follower's first 200 follows",
       ["heavy_follows_readers", "heavy_follows", DEEPEST + 100])]),
    ("update timeline_backfill set next_reader = $1", [("the backfill's cursor moves", [1, 1])]),
    ("insert into users (username, username_key, email, password_hash)",
     [("sign up", ["explain-user", "explain-user", "explain@example.com", "x"])]),
    ("update users u set username = coalesce($2, u.username)",
     [("settings", ["prolific", None, None, None, None, False, "A bio", False, None, None])]),
    ("update users set session_epoch = session_epoch + 1", [("sign out everywhere", ["prolific"])]),
    ("insert into signed_out_sessions", [("sign out", ["prolific", "s1", "2030-01-01", 16])]),
    ("delete from signed_out_sessions where user_id = $1 and expires_at", [("expired sign-outs", ["prolific"])]),
    ("delete from signed_out_sessions where user_id = $1", [("every sign-out", ["prolific"])]),
]


def normal(text):
    return " ".join(text.split())


def literal(value, samples):
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return literal([samples[value[1:-1]]], samples)
    if isinstance(value, str) and value in samples:
        value = samples[value]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        items = [literal(samples.get(v, v) if isinstance(v, str) else v, samples) for v in value]
        return "array[" + ", ".join(items) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def where_used(query):
    """The source file that holds the query (the whole text: several
    queries can start alike)."""
    needle = normal(query)
    for path in sorted((ROOT / "app" / "src").rglob("*.rs")):
        if needle in normal(path.read_text()):
            return str(path.relative_to(ROOT))
    return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS", "10000000")))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or run(str(ROOT / "scripts" / "pg.sh"), "url").strip()
    database = f"conduit_large_{args.users}"
    url = f"{url.rsplit('/', 1)[0]}/{database}"
    report = ROOT / "docs" / ("queries.md" if args.users == 10_000_000 else f"queries-{args.users}.md")
    samples = json.loads(run("psql", "-X", "-qtAc", SAMPLES, url))
    queries = [json.loads(p.read_text()) for p in sorted((ROOT / ".sqlx").glob("*.json"))]
    rows, plans, unmatched = [], [], []
    for q in queries:
        text = normal(q["query"])
        cases = next((c for key, c in CASES if key in text), None)
        if cases is None:
            unmatched.append(text)
            continue
        types = ", ".join(TYPES[t] for t in q["describe"]["parameters"]["Left"])
        writes = not text.lower().startswith(("select", "with popular", "with matches", "with pulled"))
        for label, params in cases:
            values = ", ".join(literal(p, samples) for p in params)
            typed = f" ({types})" if types else ""
            given = f" ({values})" if values else ""
            # As the app's sessions run them: without JIT (PoolSettings::session_settings).
            script = (f"set statement_timeout = 0;\nset jit = off;\nbegin;\nprepare q{typed} as {q['query']};\n"
                      f"explain (analyze, buffers, costs off) execute q{given};\nrollback;\n")
            out = run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, input=script)
            plan = "\n".join(line for line in out.splitlines()
                             if line.strip() and not re.match(r"^\s*QUERY PLAN|^-+$|^\(\d+ rows?\)$", line))
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
            hit = sum(int(n) for n in re.findall(r"^\s*Buffers: shared hit=(\d+)", plan, re.M)[:1])
            read = sum(int(n) for n in re.findall(r"^\s*Buffers: shared(?: hit=\d+)? read=(\d+)", plan, re.M)[:1])
            title = text if len(text) < 90 else text[:87] + "..."
            rows.append((where_used(q["query"]), title, label, ms, hit, read, writes))
            plans.append((title, label, text, plan))
    if unmatched:
        sys.exit("explain: no case for these queries (add them to CASES):\n" + "\n".join(unmatched))
    counts = run("psql", "-X", "-qtAc",
                 "select format('%s users, %s articles, %s tags, %s favorites, %s follows, %s comments; %s',"
                 "(select count(*) from users), (select count(*) from articles), (select count(*) from tags),"
                 "(select count(*) from favorites), (select count(*) from follows), (select count(*) from comments),"
                 "pg_size_pretty(pg_database_size(current_database())))", url).strip()
    built = run("psql", "-X", "-qtAc", "select done from timeline_backfill", url).strip() == "t"
    lines = [
        "# Query plans",
        "",
        "Written by `make explain` (scripts/explain.py); do not edit by hand.",
        "",
        f"`EXPLAIN (ANALYZE, BUFFERS)` of every query the app is compiled with (`.sqlx/`), on the data "
        f"set of `make seed-large USERS={args.users}` ({counts}), each with the values that make it "
        "work hardest there. Writes ran in a transaction that was rolled back. The time is one run's, "
        "on a warm cache of a 2-core machine with the server's pool idle: read it for the shape "
        "(an index range that stops, a handful of buffers), not as a benchmark.",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{run('git', 'rev-parse', '--short', 'HEAD').strip()}.",
        "- Totals (`articlesCount`) come from counters kept by triggers (the shards of "
        "`article_total_shards` and `tag_count_shards`, `users.articles_count`, "
        "`users.favorites_count`), never from `count(*)` over a list.",
        "- The feed is read from the reader's timeline once it is built (`app/src/backend/timelines`; "
        + ("here as the backfill built them"
           if built else "not built on this data set: the timelines' plans are of an empty table")
        + "), until then by the cheaper of two plans over the articles "
        "(`app/src/backend/articles/feed.rs`); each is shown for the readers it is chosen for.",
        "",
        "| Where | Query | Case | Time | Buffers hit | Buffers read |",
        "|---|---|---|---:|---:|---:|",
    ]
    for where, title, label, ms, hit, read, writes in rows:
        lines.append(f"| `{where}` | `{title.replace('|', '/')}` | {label}{' (rolled back)' if writes else ''} "
                     f"| {ms:.3f} ms | {hit} | {read} |")
    lines += ["", "## Plans", ""]
    for title, label, text, plan in plans:
        lines += [f"### {label}", "", "```sql", text, "```", "", "```", plan, "```", ""]
    report.write_text("\n".join(lines))
    slowest = max(rows, key=lambda r: r[3])
    print(f"explain: {len(rows)} plans of {len(queries)} queries in {report.relative_to(ROOT)}; "
          f"slowest {slowest[3]:.1f} ms ({slowest[2]})")


if __name__ == "__main__":
    main()
