#!/usr/bin/env python3
"""`make bench-compare BEFORE=path/to/server`: what a change costs the
requests that matter most, measured against the build before it in the same
run. Two release binaries take turns (before, after, after, before, ...) on
`make bench`'s data set, cache on (the defaults); each turn measures the
anonymous and the signed-in home page and the anonymous page of the newest
article with wrk, and the CPU the server and PostgreSQL used for them; the
medians of the turns and their ratios go to docs/benchmarks.md. Alternating
the order cancels the machine's drift over the run, which a ratio of two
separate `make bench` runs would not.

Both serve target/site, the working tree's bundle: a release binary reads
the names of its hashed files from the hash.txt beside it, so the one of
BEFORE must be target/release/hash.txt (copied beside it) when its own
bundle is no longer built; the pages then differ only in what the server
writes.

Builds from before 96b1ae4 refuse a schema with a migration they do not
know: BEFORE_DATABASE names a copy of the data set at their schema for the
before build (`create database … template conduit_bench`, then take the
newer migrations out of it).

BEFORE_LABEL and AFTER_LABEL name the two builds in the report (e.g. their
commits); BENCH_ROUNDS (default 5) turns each, BENCH_DURATION (default 10s)
per measure; BENCH_CACHE=off measures the database path instead
(`CACHE_ENABLED=false`: every request runs its statements), in a section of
its own.
"""

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shell import ROOT, base_url, run, say  # noqa: E402
from processes import ms_per_request, pids_of, snapshot, ticks, used_since  # noqa: E402
from release_server import SERVER, Server  # noqa: E402
from report import write_section  # noqa: E402
from wrk import figures, latency_ms  # noqa: E402

DURATION = os.environ.get("BENCH_DURATION", "10s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CACHED = os.environ.get("BENCH_CACHE", "on") != "off"
CONNECTIONS = 50
# scripts/bench.sh's reader (bench@example.com): follows 100 writers.
READER = ("bench", "bench-password")


def measure(server, path, headers, duration):
    """req/s, p99 (ms), and the server's and PostgreSQL's CPU per request
    (ms) of one wrk run of `path`."""
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    for header in headers:
        args += ["-H", header]
    postgres = pids_of("postgres")
    before, postgres_before = ticks([server.process.pid]), snapshot(postgres)
    out = run(*args, f"http://{server.addr}{path}")
    used = ticks([server.process.pid]) - before
    postgres_used = used_since(postgres_before, pids_of("postgres"))
    got = figures(out)
    if got["socket_errors"] or got["non_2xx"]:
        sys.exit(f"bench-compare: errors under load:\n{out}")
    return {"rps": got["rps"], "p99": latency_ms(got["p99"]),
            "cpu": ms_per_request(used, got["requests"]),
            "pg": ms_per_request(postgres_used, got["requests"])}


def newest_slug(server):
    """The slug of the newest article: the page every build serves alike."""
    with urllib.request.urlopen(f"http://{server.addr}/api/articles?limit=1", timeout=10) as answer:
        return json.load(answer)["articles"][0]["slug"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--after", default=SERVER, type=Path)
    args = parser.parse_args()
    databases = {"before": f"{base_url()}/{os.environ.get('BEFORE_DATABASE', 'conduit_bench')}",
                 "after": f"{base_url()}/conduit_bench"}
    kinds = ("anonymous `/`", "signed-in `/`", "anonymous article page")
    builds = {"before": args.before, "after": args.after}
    runs = {(build, kind): [] for build in builds for kind in kinds}
    for round_number in range(ROUNDS):
        order = ("before", "after") if round_number % 2 == 0 else ("after", "before")
        for build in order:
            with Server(databases[build], builds[build],
                        CACHE_ENABLED=str(CACHED).lower()) as server:
                cookie = f"Cookie: conduit_session={server.sign_in(*READER)}"
                requests = (("/", []), ("/", [cookie]), (f"/article/{newest_slug(server)}", []))
                for kind, (path, headers) in zip(kinds, requests):
                    measure(server, path, headers, "2s")  # fills the caches
                    result = measure(server, path, headers, DURATION)
                    say(f"round {round_number + 1}, {build}, {kind}: {result['rps']:.0f} req/s, "
                        f"{result['cpu']:.4f} ms server CPU, {result['pg']:.4f} ms PostgreSQL CPU")
                    runs[(build, kind)].append(result)
    median = {key: {figure: statistics.median(r[figure] for r in results)
                    for figure in ("rps", "cpu", "pg", "p99")}
              for key, results in runs.items()}
    commit = run("git", "rev-parse", "--short", "HEAD", cwd=ROOT).strip()
    before_label = os.environ.get("BEFORE_LABEL", str(args.before))
    after_label = os.environ.get("AFTER_LABEL", f"the working tree at {commit}")
    def spread(build, kind):
        rates = [r["rps"] for r in runs[(build, kind)]]
        return f"{min(rates):.0f}–{max(rates):.0f}"

    def ratio(after, before):
        # Cached pages cost PostgreSQL next to nothing: no ratio of zeros.
        return f"{after / before:.3f}" if before else "-"

    rows = []
    for kind in kinds:
        b, a = median[("before", kind)], median[("after", kind)]
        rows.append(f"| {kind} | {b['rps']:.0f} ({spread('before', kind)}) "
                    f"| {a['rps']:.0f} ({spread('after', kind)}) | {a['rps'] / b['rps']:.3f} "
                    f"| {b['cpu']:.4f} ms | {a['cpu']:.4f} ms | {a['cpu'] / b['cpu']:.3f} "
                    f"| {b['pg']:.4f} ms | {a['pg']:.4f} ms | {ratio(a['pg'], b['pg'])} "
                    f"| {b['p99']:.2f} ms | {a['p99']:.2f} ms |")
    section, title, cache = (
        ("bench-compare", "", "cache on (the defaults)") if CACHED else
        ("bench-compare-uncached", ", the database path (`BENCH_CACHE=off`)",
         "cache off (`CACHE_ENABLED=false`: every request runs its statements)"))
    copy = (f" The before build ran on `{os.environ['BEFORE_DATABASE']}`, a copy of the data set "
            "at its schema." if "BEFORE_DATABASE" in os.environ else "")
    write_section(section, f"""
## One change's cost (`make bench-compare`){title}

Written by `make bench-compare` (scripts/bench-compare.py); do not edit by hand.

- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; before: {before_label}; after: {after_label}.
- `make bench`'s data set and reader, {cache}. PostgreSQL's CPU is that of all its processes (the background jobs' too), over the requests served. The two release builds take turns, in alternating order, {ROUNDS} turns each; each turn is `wrk -t2 -c{CONNECTIONS} -d{DURATION}` after 2 s of warm-up. Medians of the turns.{copy}

| Request | Requests/s before (range of the turns) | after | after over before | Server CPU/request before | after | after over before | PostgreSQL CPU/request before | after | after over before | p99 before | after |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}
""")
    for kind in kinds:
        ratio = median[("after", kind)]["rps"] / median[("before", kind)]["rps"]
        print(f"bench-compare {kind}: {ratio:.3f} of before")


if __name__ == "__main__":
    main()
