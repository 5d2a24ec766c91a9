#!/usr/bin/env python3
"""`make bench-writes`: how many articles 50 concurrent writers can publish
per second, with the totals kept in one row each (the schema before
migrations/20261207000003_counter_shards.sql) and in counter shards (now).

Each setup gets a database of its own on the private cluster (or beside
DATABASE_URL's), built by applying the migrations with psql, and pgbench
runs the same statement in each: a new article by the client's own author
with the tag every writer uses, in one transaction, with the triggers as
deployed (the counters and the change feed). A third run with the change
feed's trigger off shows what the feed's `NOTIFY` costs on top.

Writes its section of docs/benchmarks.md (scripts/report.py).
BENCH_DURATION (seconds, default 15), BENCH_WRITERS (default 50).
"""

import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from shell import base_url, run, say  # noqa: E402
from report import write_section  # noqa: E402

DURATION = int(os.environ.get("BENCH_DURATION", "15"))
WRITERS = int(os.environ.get("BENCH_WRITERS", "50"))
SHARDS_MIGRATION = "20261207000003_counter_shards.sql"
# The counter shards and the migrations built on them: what "before" leaves out.
ON_SHARDS = {SHARDS_MIGRATION, "20261208000001_tag_ranks.sql"}

# One article by the client's own author, with the tag everyone uses.
WRITE = r"""
\set author :client_id + 1
with a as (insert into articles (author_id, slug, title, description, body)
           select id, gen_random_uuid()::text, 'A title', 'A description', 'A body'
           from users where username = 'writer' || :author
           returning id, created_at)
insert into article_tags (article_id, tag_id, article_created_at)
select id, (select id from tags where name = 'popular'), created_at from a;
"""

# name, migrations applied, statements after them
SETUPS = [
    ("one row per total (before)", lambda name: name not in ON_SHARDS, []),
    ("counter shards (now)", lambda name: True, []),
    ("counter shards, timelines' trigger off (what queuing the job costs)", lambda name: True,
     ["alter table articles disable trigger timeline_article_changed"]),
    ("counter shards, change feed trigger off", lambda name: True,
     ["alter table articles disable trigger articles_changed"]),
    ("counter shards without the index of their last use (what the sidebar's recent tags cost)",
     lambda name: True, ["drop index tag_count_shards_by_last_use"]),
]


def prepare(base, database, applies, after):
    run("psql", f"{base}/postgres", "-qc", f"drop database if exists {database} with (force)",
        "-c", f"create database {database}")
    for migration in sorted((ROOT / "migrations").glob("*.sql")):
        if applies(migration.name):
            run("psql", "-q", "-v", "ON_ERROR_STOP=1", f"{base}/{database}", "-f", str(migration))
    for statement in [
        "insert into users (username, username_key, email, password_hash) "
        f"select 'writer' || i, 'writer' || i, 'writer' || i || '@example.com', 'x' "
        f"from generate_series(1, {WRITERS}) i",
        "insert into tags (name) values ('popular')",
        *after,
    ]:
        run("psql", "-q", "-v", "ON_ERROR_STOP=1", f"{base}/{database}", "-c", statement)


def measure(base, database, script):
    out = run("pgbench", "-n", "-c", str(WRITERS), "-j", "2", "-T", str(DURATION), "-f", script,
              f"{base}/{database}")
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    failed = int(re.search(r"number of failed transactions: (\d+)", out).group(1)) \
        if "failed transactions" in out else 0
    return tps, latency, failed


def main():
    base = base_url()
    script = ROOT / ".data" / "bench-writes.sql"
    script.parent.mkdir(exist_ok=True)
    script.write_text(WRITE)
    rows = []
    try:
        for n, (name, applies, after) in enumerate(SETUPS):
            database = f"conduit_bench_writes_{n}"
            say(f"{name}: preparing {database}")
            prepare(base, database, applies, after)
            say(f"{name}: {WRITERS} writers for {DURATION} s")
            rows.append((name, *measure(base, database, str(script))))
            run("psql", f"{base}/postgres", "-qc", f"drop database {database} with (force)")
    finally:
        script.unlink(missing_ok=True)
    before = rows[0][1]
    version = run("psql", f"{base}/postgres", "-qtAc", "show server_version").split()[0]
    lines = [
        "## Concurrent writers (`make bench-writes`)", "",
        "Written by `make bench-writes` (scripts/bench-writes.py); do not edit by hand.", "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{run('git', 'rev-parse', '--short', 'HEAD').strip()}; {os.cpu_count()} cores, "
        f"PostgreSQL {version} with `fsync` and `synchronous_commit` on, pgbench on the same "
        "machine.",
        f"- {WRITERS} clients (`pgbench -c {WRITERS} -j 2 -T {DURATION}`), each publishing "
        "articles as an author of its own, every article with the one tag they all use: one "
        "transaction per article, the triggers as deployed.",
        "- Each setup is a fresh database built from the migrations; the first leaves out the "
        "counter shards and what is built on them.", "",
        "| Totals kept in | Articles/s | Share of before | Mean latency | Failed |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, tps, latency, failed in rows:
        lines.append(f"| {name} | {tps:.0f} | {tps / before:.2f} | {latency:.1f} ms | {failed} |")
    lines += [
        "",
        "With one row per total, every writer holds that row's lock from its update until its "
        "commit is flushed, so the writers queue on it one by one. Shards spread them over 16 "
        "rows. The third row is what queuing each article's timeline job costs. Between the "
        "second row and the fourth is the change feed: a transaction that has called `NOTIFY` "
        "takes one lock for the whole cluster to queue its notifications at commit "
        "(`PreCommit_Notify`), so writes that notify still commit one at a time; the fourth row "
        "measures that lock. The last row leaves out the index the sidebar finds the most "
        "recently used tags by: with it, a shard's update is no longer a heap-only one, since "
        "it changes an indexed column. Rows of a single run differ by several percent from one "
        "run to the next, so compare each with the first of the same run.",
    ]
    write_section("bench-writes", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
