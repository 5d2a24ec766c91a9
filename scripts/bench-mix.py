#!/usr/bin/env python3
"""`make bench-mix USERS=N`: a realistic load on the data set `make
seed-large USERS=N` built. wrk runs scripts/bench/mix.lua against the
release server: 90% anonymous pages and API reads, 9% signed-in readers
(many distinct users), 1% writes, every name drawn by a Zipf-like law.

Two runs, each after a warm-up: with the caches as deployed, and with them
off (`CACHE_ENABLED=false`: every read takes the database path). Then the
ceiling: the same script against a minimal server answering the home page's
bytes from memory (server/examples/ceiling.rs), in the same run.

Reports, per kind of request, the count, errors, p50 and p99; per run,
requests/s, the share of the ceiling, server and PostgreSQL CPU per request
and each cache tier's hit ratio. Writes docs/bench-mix/N.json and a section
of docs/benchmarks.md, and prints a last line of the form
`bench-mix N users: R req/s (S of the ceiling), p99 P ms, hit ratio H`.

BENCH_DURATION (default 30s), BENCH_WARMUP (default 10s),
BENCH_CONNECTIONS (default 50), BENCH_READERS (signed-in users, default 500).
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from shell import base_url, run, say  # noqa: E402
from ports import free_port  # noqa: E402
from processes import ms_per_request, pids_of, snapshot, ticks, used_since  # noqa: E402
from release_server import Server  # noqa: E402
from report import write_section  # noqa: E402
from wrk import figures as wrk_figures, latency_ms  # noqa: E402

DURATION = os.environ.get("BENCH_DURATION", "30s")
WARMUP = os.environ.get("BENCH_WARMUP", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
READERS = int(os.environ.get("BENCH_READERS", "500"))
CEILING = ROOT / "target" / "release" / "examples" / "ceiling"
MIX = ROOT / "scripts" / "bench" / "mix.lua"
RESULTS = ROOT / "docs" / "bench-mix"
PASSWORD = "bench-password"  # scripts/seed-large.py's


def tiers(server):
    """Hits and misses of each cache tier of `server` so far."""
    counts = {}
    for kind in ("hits", "misses"):
        for tier, value in re.findall(rf'^conduit_cache_{kind}_total{{tier="([^"]+)"}} (\d+)',
                                      server.metrics(), re.M):
            counts.setdefault(tier, {"hits": 0, "misses": 0})[kind] = int(value)
    return counts


def readers(database_url, users):
    """Distinct signed-in readers: the heaviest followers first (a feed of
    thousands of authors), the ones who follow the top author, then any."""
    heavy = max(1, READERS // 10)
    query = f"""
with heavy as (select follower_id as id from follows group by 1 order by count(*) desc limit {heavy}),
fans as (select follower_id as id from follows
         where followed_id = (select followed_id from follows group by 1 order by count(*) desc limit 1)
         limit {heavy}),
others as (select id from users where id % {max(1, users // READERS)} = 0 limit {READERS})
select username from users where id in (select id from heavy union select id from fans
                                        union select id from others)
order by id limit {READERS}"""
    return run("psql", "-X", "-qtAc", query, database_url).split()


def wrk(urls, duration, tokens_file, users):
    """The mix against each of `urls` at once, the connections shared out
    among them; figures summed (p50 and p99: the largest of the parts)."""
    if isinstance(urls, str):
        urls = [urls]
    env = dict(os.environ, MIX_USERS=str(users), MIX_TOKENS=tokens_file)
    each = max(1, CONNECTIONS // len(urls))
    processes = [subprocess.Popen(["wrk", f"-t{each}", f"-c{each}", f"-d{duration}", "--latency",
                                   "-s", str(MIX), url], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for url in urls]
    parts = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode:
            sys.exit(f"bench-mix: wrk failed ({process.returncode}):\n{err}")
        parts.append(parse(out))
    if len(parts) == 1:
        return parts[0]
    kinds = {}
    for part in parts:
        for k in part["kinds"]:
            m = kinds.setdefault(k["kind"], dict(k, n=0, errors=0, p50=0.0, p99=0.0, statuses=[]))
            m["n"] += k["n"]
            m["errors"] += k["errors"]
            m["statuses"] += k["statuses"]
            m["p50"], m["p99"] = max(m["p50"], k["p50"]), max(m["p99"], k["p99"])
    return {"rps": sum(p["rps"] for p in parts), "requests": sum(p["requests"] for p in parts),
            "p50": max(p["p50"] for p in parts), "p99": max(p["p99"] for p in parts),
            "socket_errors": sum(p["socket_errors"] for p in parts), "kinds": list(kinds.values())}


def parse(out):
    """wrk's figures and mix.lua's lines, from wrk's output."""
    seen = wrk_figures(out)
    result = {"rps": seen["rps"], "requests": seen["requests"], "p50": latency_ms(seen["p50"]),
              "p99": latency_ms(seen["p99"]), "socket_errors": seen["socket_errors"], "kinds": []}
    for line in out.splitlines():
        if line.startswith("mix|"):
            _, kind, group, n, errors, p50, p99, statuses = line.split("|")
            result["kinds"].append({"kind": kind, "class": group, "n": int(n), "errors": int(errors),
                                    "p50": float(p50), "p99": float(p99), "statuses": statuses.split()})
    return result


def measured_run(servers, duration, tokens_file, users):
    """The mix against `servers` (each its share of the connections), with
    the CPU they and PostgreSQL used and the hit ratios of the cache tiers
    over the run, summed over the instances."""
    groups = {"server": lambda: [s.process.pid for s in servers], "postgres": lambda: pids_of("postgres")}
    before = {k: snapshot(pids()) for k, pids in groups.items()}
    tiers_before = [tiers(s) for s in servers]
    result = wrk([f"http://{s.addr}" for s in servers], duration, tokens_file, users)
    tiers_after = [tiers(s) for s in servers]
    for k, pids in groups.items():
        result[f"{k}_cpu_ms"] = ms_per_request(used_since(before[k], pids()), result["requests"])
    hits = {}
    for was_all, after_all in zip(tiers_before, tiers_after):
        for tier, after in after_all.items():
            was = was_all.get(tier, {"hits": 0, "misses": 0})
            t = hits.setdefault(tier, {"hits": 0, "misses": 0})
            t["hits"] += after["hits"] - was["hits"]
            t["misses"] += after["misses"] - was["misses"]
    hits = {tier: dict(t, ratio=t["hits"] / (t["hits"] + t["misses"]))
            for tier, t in hits.items() if t["hits"] + t["misses"]}
    result["tiers"] = hits
    # What share of requests the caches answered without the database: the
    # response tiers (whole pages and API answers) first.
    result["hit_ratio"] = overall_hit_ratio(hits)
    return result


def deep_pages(server, url):
    """What the deepest page the API serves costs next to the first, caches
    off: the same list at offset 0 and at the offset cap, one URL at a time."""
    tag = run("psql", "-X", "-qtAc", "select t.name from tag_count_shards s join tags t on t.id = s.tag_id "
              "group by t.name order by sum(s.articles) desc limit 1", url).strip()
    author = run("psql", "-X", "-qtAc", "select username from users order by articles_count desc limit 1",
                 url).strip()
    lists = [("every article", "/api/articles?limit=20&offset={}"),
             ("the most used tag", f"/api/articles?tag={tag}&limit=20&offset={{}}"),
             ("the most prolific author", f"/api/articles?author={author}&limit=20&offset={{}}"),
             ("the home page", "/?page={}")]
    results = []
    for name, template in lists:
        first_deepest = []
        for offset in (0, 10_000):
            value = offset // 10 + 1 if template.startswith("/?page") else offset
            target = f"http://{server.addr}{template.format(value)}"
            groups = {"server": [server.process.pid], "postgres": pids_of("postgres")}
            before = {k: snapshot(v) for k, v in groups.items()}
            out = run("wrk", "-t2", "-c10", "-d5s", "--latency", target)
            r = parse(out)
            cpu = {k: ms_per_request(used_since(before[k], groups[k]), r["requests"]) for k in groups}
            first_deepest.append({"rps": r["rps"], "p99": r["p99"], **cpu})
        results.append({"list": name, "first": first_deepest[0], "deepest": first_deepest[1]})
        say(f"deep pages, {name}: {first_deepest[1]['server'] + first_deepest[1]['postgres']:.3f} ms "
            f"against {first_deepest[0]['server'] + first_deepest[0]['postgres']:.3f} ms")
    return results


def data_set(url):
    """What the data set holds, and its size on disk."""
    row = run("psql", "-X", "-qtAc", """
select json_build_object('users', (select count(*) from users), 'articles', (select count(*) from articles),
                         'favorites', (select count(*) from favorites), 'follows', (select count(*) from follows),
                         'comments', (select count(*) from comments), 'bytes', pg_database_size(current_database()))""",
              url)
    return json.loads(row)


def compare_instances(url, users, instances):
    """Does the database's load grow with the number of instances, each with
    its own cold, separate in-process cache? The same mix and connections
    against 1 instance and against `instances`, each fresh and warmed up."""
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        tokens_file = str(Path(scratch) / "tokens")
        for count in (1, instances):
            servers = [Server(url) for _ in range(count)]
            try:
                if not Path(tokens_file).exists():
                    names = readers(url, users)
                    say(f"signing in {len(names)} readers")
                    Path(tokens_file).write_text("\n".join(servers[0].sign_in(n, PASSWORD) for n in names) + "\n")
                urls = [f"http://{s.addr}" for s in servers]
                say(f"{count} instance(s): warming up for {WARMUP}")
                wrk(urls, WARMUP, tokens_file, users)
                say(f"{count} instance(s): the mix for {DURATION}, {CONNECTIONS} connections in all")
                results[count] = measured_run(servers, DURATION, tokens_file, users)
            finally:
                for server in servers:
                    server.stop()
    one, many = results[1], results[instances]
    lines = [f"## One instance or {instances}: the database's load (`make bench-mix USERS={users} INSTANCES={instances}`)",
             "",
             "Written by `make bench-mix` (scripts/bench-mix.py); do not edit by hand.", "",
             f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
             f"{run('git', 'rev-parse', '--short', 'HEAD').strip()}; the data set of `make seed-large "
             f"USERS={users}`; each instance a fresh release server with its own in-process caches "
             f"(the defaults), {CONNECTIONS} connections in all shared out among them, {DURATION} after "
             f"a warm-up of {WARMUP}.",
             "- On one 2-core machine more instances add no cores: what is compared is the database's "
             "work per request and the hit ratios, not the request rates.", "",
             "| Instances | Requests/s | p99 | Hit ratio | PostgreSQL CPU/request | Server CPU/request |",
             "|---:|---:|---:|---:|---:|---:|"]
    for count, r in results.items():
        lines.append(f"| {count} | {r['rps']:.0f} | {r['p99']:.1f} ms | {r['hit_ratio']:.3f} | "
                     f"{r['postgres_cpu_ms']:.3f} ms | {r['server_cpu_ms']:.3f} ms |")
    tiers = sorted(set(one["tiers"]) | set(many["tiers"]))
    lines += ["", "| Tier | Hit ratio, 1 instance | Hit ratio, " + f"{instances} instances |", "|---|---:|---:|"]
    for tier in tiers:
        cell = lambda r: f"{r['tiers'][tier]['ratio']:.3f}" if tier in r["tiers"] else "-"
        lines.append(f"| {tier} | {cell(one)} | {cell(many)} |")
    growth = many["postgres_cpu_ms"] / max(one["postgres_cpu_ms"], 1e-9)
    lines += ["", f"PostgreSQL CPU per request with {instances} instances over 1: {growth:.2f}."]
    text = "\n".join(lines)
    write_section("bench-mix-instances", text)
    print(text)


def check(runs):
    """Fails if any request went wrong: a slug, user or tag mix.lua names
    that the data set lacks, or a write the API refused."""
    wrong = [f"{k['kind']} ({label}): {k['errors']} of {k['n']} (status:count {' '.join(k['statuses'])})"
             for label in runs for k in runs[label]["kinds"] if k["errors"]]
    wrong += [f"{label}: {runs[label]['socket_errors']} socket errors" for label in runs
              if runs[label]["socket_errors"]]
    if wrong:
        sys.exit("bench-mix: requests failed: " + "; ".join(wrong))
    kinds = {k["kind"] for label in runs for k in runs[label]["kinds"]}
    print(f"bench-mix: {sum(r['requests'] for r in runs.values())} requests of {len(kinds)} kinds, none failed")


def overall_hit_ratio(tiers):
    """Hits over lookups, summed over the tiers that answer whole requests
    when there are any (`responses`, `readers`), else over all tiers."""
    front = {k: v for k, v in tiers.items() if k in ("responses", "readers")} or tiers
    h = sum(v["hits"] for v in front.values())
    m = sum(v["misses"] for v in front.values())
    return h / (h + m) if h + m else 0.0


def timelines_built(url):
    """Waits until the server has built every reader's timeline (after a
    bulk load, app::backend::timelines::backfill) and done every queued job."""
    started = time.monotonic()
    while True:
        state = subprocess.run(
            ["psql", "-X", "-qtAc",
             "select (done and not exists (select 1 from timeline_jobs))::text || ' ' || next_reader "
             "|| ' ' || (select max(id) from users) from timeline_backfill", url],
            capture_output=True, text=True, check=True).stdout.split()
        if state[0] == "true":
            return
        say(f"building readers' timelines: reader {state[1]} of {state[2]}, "
            f"{time.monotonic() - started:.0f} s so far")
        time.sleep(10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS", "10000000")))
    parser.add_argument("--instances", type=int, default=0,
                        help="instead: the mix (caches on) against 1 and against this many instances, "
                             "for what each instance's own cache costs the database")
    parser.add_argument("--check", action="store_true",
                        help="a short run that fails if any read went wrong (a name the data lacks); "
                             "writes no report")
    args = parser.parse_args()
    base = base_url()
    database = f"conduit_large_{args.users}"
    url = f"{base}/{database}"
    built = subprocess.run(["psql", "-X", "-qtAc", "select finished is not null from seed_large.build", url],
                           capture_output=True, text=True).stdout.strip()
    if built != "t":
        sys.exit(f"bench-mix: {database} is not built; run `make seed-large USERS={args.users}` first")
    if not CEILING.exists() and not args.check:
        run("cargo", "build", "--release", "--quiet", "-p", "server", "--example", "ceiling")

    if args.instances > 1:
        compare_instances(url, args.users, args.instances)
        return
    runs = {}
    deep = []
    page_bytes = page_bytes_compressed = 0
    with tempfile.TemporaryDirectory() as scratch:
        tokens_file = str(Path(scratch) / "tokens")
        page = Path(scratch) / "page.html"
        for cache in (True, False):
            label = "cache on" if cache else "cache off"
            server = Server(url, CACHE_ENABLED=str(cache).lower())
            try:
                if cache:
                    timelines_built(url)
                    names = readers(url, args.users)
                    say(f"signing in {len(names)} readers")
                    Path(tokens_file).write_text("\n".join(server.sign_in(n, PASSWORD) for n in names) + "\n")
                    page.write_bytes(urllib.request.urlopen(f"http://{server.addr}/", timeout=30).read())
                    page_bytes = page.stat().st_size
                    # As the CDN sends it: compressed (gzip; brotli is smaller).
                    page_bytes_compressed = len(gzip.compress(page.read_bytes()))
                say(f"{label}: warming up for {WARMUP}")
                wrk(f"http://{server.addr}", WARMUP, tokens_file, args.users)
                say(f"{label}: the mix for {DURATION}, {CONNECTIONS} connections")
                runs[label] = measured_run([server], DURATION, tokens_file, args.users)
                if not cache and not args.check:
                    deep = deep_pages(server, url)
            finally:
                server.stop()
        if args.check:
            check(runs)
            return
        say("the ceiling: the home page's bytes from memory, the same mix")
        addr = f"127.0.0.1:{free_port()}"
        ceiling = subprocess.Popen([str(CEILING), addr, str(page)], stdout=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://{addr}/", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.05)
            wrk(f"http://{addr}", "2s", tokens_file, args.users)
            groups = [ceiling.pid]
            before = ticks(groups)
            runs["ceiling"] = wrk(f"http://{addr}", DURATION, tokens_file, args.users)
            runs["ceiling"]["server_cpu_ms"] = ms_per_request(ticks(groups) - before,
                                                              runs["ceiling"]["requests"])
        finally:
            ceiling.terminate()
            ceiling.wait()

    result = {"users": args.users, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "commit": run("git", "rev-parse", "--short", "HEAD").strip(),
              "connections": CONNECTIONS, "duration": DURATION, "page_bytes": page_bytes, "page_bytes_compressed": page_bytes_compressed, "data": data_set(url), "deep_pages": deep,
              "runs": runs}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.users}.json").write_text(json.dumps(result, indent=1) + "\n")
    text = section(result)
    write_section("bench-mix", text)
    print(text)
    on, ceiling = runs["cache on"], runs["ceiling"]
    print(f"bench-mix {args.users} users: {on['rps']:.0f} req/s ({on['rps'] / ceiling['rps']:.2f} of the "
          f"ceiling), p99 {on['p99']:.0f} ms, hit ratio {on['hit_ratio']:.2f}")


def section(latest):
    """Every size measured so far (docs/bench-mix/*.json), side by side."""
    sizes = sorted((json.loads(p.read_text()) for p in RESULTS.glob("*.json")), key=lambda r: r["users"])
    lines = ["## A realistic mix at 10K, 1M and 10M users (`make bench-mix`)", "",
             "Written by `make bench-mix` (scripts/bench-mix.py, scripts/bench/mix.lua); do not edit "
             "by hand. Each size is the data set `make seed-large USERS=N` built (its section below "
             "says what it holds), measured with its own run's ceiling.", "",
             f"- wrk, {latest['connections']} connections (one per thread, so that each kind's latency "
             f"is known), {latest['duration']} after a warm-up; 90% anonymous pages and API reads, 9% "
             "signed-in readers (hundreds of distinct users, the heaviest followers among them), 1% "
             "writes; slugs, users, tags and pages drawn by Zipf-like laws.",
             "- Cache on: the defaults. Cache off: `CACHE_ENABLED=false`, every read takes the "
             "database path. Hit ratio: hits over lookups of the tiers that answer whole requests "
             "(`responses`, `readers`).", "",
             "| Users | Run | Requests/s | Share of the ceiling | p50 | p99 | Errors | Server CPU/request "
             "| PostgreSQL CPU/request | Hit ratio | Date, commit |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in sizes:
        ceiling = r["runs"]["ceiling"]["rps"]
        for label in ("cache on", "cache off"):
            x = r["runs"][label]
            errors = sum(k["errors"] for k in x["kinds"]) + x["socket_errors"]
            lines.append(f"| {r['users']:,} | {label} | {x['rps']:.0f} | {x['rps'] / ceiling:.3f} | "
                         f"{x['p50']:.1f} ms | {x['p99']:.1f} ms | {errors} | {x['server_cpu_ms']:.3f} ms | "
                         f"{x['postgres_cpu_ms']:.3f} ms | {x['hit_ratio']:.2f} | {r['date']}, {r['commit']} |")
        lines.append(f"| {r['users']:,} | ceiling | {ceiling:.0f} | 1 | "
                     f"{r['runs']['ceiling']['p50']:.1f} ms | {r['runs']['ceiling']['p99']:.1f} ms | - | "
                     f"{r['runs']['ceiling']['server_cpu_ms']:.3f} ms | - | - | |")
    lines += ["", "p99 of each kind of request (ms), cache on / cache off:", "",
              "| Kind | " + " | ".join(f"{r['users']:,} users" for r in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]
    kinds = [k["kind"] for k in latest["runs"]["cache on"]["kinds"]]
    for kind in kinds:
        cells = []
        for r in sizes:
            on = {k["kind"]: k for k in r["runs"]["cache on"]["kinds"]}.get(kind)
            off = {k["kind"]: k for k in r["runs"]["cache off"]["kinds"]}.get(kind)
            cells.append(f"{on['p99']:.1f} / {off['p99']:.1f}" if on and off else "-")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    tiers = sorted({t for r in sizes for t in r["runs"]["cache on"]["tiers"]})
    lines += ["", "Hit ratio of each cache tier, cache on:", "",
              "| Tier | " + " | ".join(f"{r['users']:,} users" for r in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]
    for tier in tiers:
        cells = [f"{r['runs']['cache on']['tiers'][tier]['ratio']:.3f}"
                 if tier in r["runs"]["cache on"]["tiers"] else "-" for r in sizes]
        lines.append(f"| {tier} | " + " | ".join(cells) + " |")
    lines += ["", "The deepest page the API serves (offset 10,000) next to the first, caches off, one URL at a "
              "time (`wrk -t2 -c10 -d5s`): server and PostgreSQL CPU per request.", "",
              "| Users | List | First page | Deepest page | Deepest over first |", "|---:|---|---:|---:|---:|"]
    for r in sizes:
        for d in r.get("deep_pages", []):
            first = d["first"]["server"] + d["first"]["postgres"]
            deepest = d["deepest"]["server"] + d["deepest"]["postgres"]
            lines.append(f"| {r['users']:,} | {d['list']} | {first:.3f} ms | {deepest:.3f} ms | "
                         f"{deepest / max(first, 1e-9):.2f} |")
    summary = growth(sizes)
    if summary:
        lines += ["", summary]
    return "\n".join(lines)


def growth(sizes):
    """The worst read's p99 at the largest size over its p99 at the smallest,
    over both runs."""
    if len(sizes) < 2:
        return None
    small, large = sizes[0], sizes[-1]
    worst = None
    for label in ("cache on", "cache off"):
        before = {k["kind"]: k["p99"] for k in small["runs"][label]["kinds"] if k["class"] != "write"}
        for k in large["runs"][label]["kinds"]:
            if k["kind"] in before and before[k["kind"]] > 0:
                ratio = k["p99"] / before[k["kind"]]
                if worst is None or ratio > worst[0]:
                    worst = (ratio, f"{k['kind']}, {label}")
    if worst is None:
        return None
    return (f"p99 at {short(large['users'])} over p99 at {short(small['users'])}, worst read: "
            f"{worst[0]:.2f} ({worst[1]})")


def short(users):
    return f"{users // 1_000_000}M" if users >= 1_000_000 else f"{users // 1000}K"


if __name__ == "__main__":
    main()
