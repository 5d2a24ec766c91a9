#!/usr/bin/env python3
"""`make bench-topology`: the benchmark's data set through the topology's
balancer (scripts/topology.py), with one instance and with three, straight to
PostgreSQL and through PgBouncer, with and without the read replica; and the
ceiling (the same bytes from memory, minimal axum) behind the same balancer.

Reads that reach the database (the response and data caches off: what is
measured is the path to PostgreSQL, not the cache), with wrk. Writes the
results into docs/benchmarks.md, between the markers of its own section.

BENCH_DURATION (default 10s), BENCH_CONNECTIONS (default 50).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TOPOLOGY_DIR", str(ROOT / ".data" / "topology-bench"))
sys.path.insert(0, str(ROOT / "scripts"))
import topology  # noqa: E402
from processes import ms_per_request, pids_of, ticks  # noqa: E402
from report import write_section  # noqa: E402
from shell import run, say  # noqa: E402
from ports import free_port  # noqa: E402
from wrk import figures as wrk_figures  # noqa: E402

DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
CEILING = ROOT / "target" / "release" / "examples" / "ceiling"

# name, instances, pooler, replica
SETUPS = [
    ("1 instance, straight to PostgreSQL", 1, False, False),
    ("1 instance, through PgBouncer", 1, True, False),
    ("1 instance, PgBouncer and the replica", 1, True, True),
    ("3 instances, straight to PostgreSQL", 3, False, False),
    ("3 instances, PgBouncer and the replica", 3, True, True),
]


def wrk(url):
    seen = wrk_figures(run("wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url))
    errors = seen["non_2xx"] + seen["socket_errors"]
    return seen["rps"], seen["p50"], seen["p99"], seen["requests"], errors


def measure(state, url, servers):
    """wrk against `url`; CPU per request of the servers, PostgreSQL and PgBouncer."""
    groups = {"server": servers, "postgres": pids_of("postgres"), "pgbouncer": pids_of("pgbouncer")}
    before = {k: ticks(v) for k, v in groups.items()}
    rps, p50, p99, requests, errors = wrk(url)
    cpu = {k: ms_per_request(ticks(v) - before[k], requests) for k, v in groups.items()}
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, **cpu}


def configure(state, instances, pooler, replica):
    env = {"CACHE_ENABLED": "false", "RUST_LOG": "warn",
           "DATABASE_URL": topology.url(state, "pgbouncer" if pooler else "dbname"),
           "DATABASE_POOLER": "transaction" if pooler else "none",
           "DATABASE_READ_URL": (topology.url(state, "pgbouncer", topology.READER) if pooler
                                 else topology.url(state, "replica")) if replica else None}
    state["app_env"] = env
    for name in topology.INSTANCES:
        topology.stop_instance(state, name)
    running = topology.INSTANCES[:instances]
    for name in running:
        topology.start_instance(state, name)
    topology.wait_ready(state, running)
    for name in topology.INSTANCES:
        verb = "enable" if name in running else "disable"
        topology.admin("lb.sock", f"{verb} server app/{name}")
    time.sleep(3)  # the balancer's health checks see the instances come up
    return [state["pids"][n] for n in running]


def seed(state):
    if int(topology.psql(state, "select count(*) from users") or 0) >= 10000:
        return
    say("seeding the benchmark's data set into the topology's writer (about a minute, once)")
    import json
    import urllib.request
    request = urllib.request.Request(
        f"http://127.0.0.1:{state['ports']['lb']}/api/users", method="POST",
        data=json.dumps({"user": {"username": "bench", "email": "bench@example.com",
                                  "password": "bench-password"}}).encode(),
        headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()
    hash_ = topology.psql(state, "select password_hash from users where username = 'bench'")
    env = dict(os.environ, PGPASSWORD=state["password"])
    run("psql", topology.url(state, "dbname"), "-q", "-v", f"hash={hash_}",
       "-f", str(ROOT / "scripts" / "bench" / "seed.sql"), env=env)


def section(rows, ceiling, machine):
    lines = ["## The topology (`make bench-topology`)", "",
             "Written by `make bench-topology` (scripts/bench-topology.py); do not edit by hand.", "",
             f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
             f"{run('git', 'rev-parse', '--short', 'HEAD').strip()}.",
             f"- {machine}. Everything on that one machine: the writer, its synchronous standby "
             "and the read replica (three PostgreSQL 15 clusters), PgBouncer 1.18, HAProxy 2.6, the "
             f"servers and wrk (`wrk -t2 -c{CONNECTIONS} -d{DURATION}`). More instances do not add "
             "cores here: read the shape and the costs, not the absolute rates.",
             "- What is read: `GET /api/articles/{slug}` of one article, with "
             "`CACHE_ENABLED=false` on every instance, anonymously, so that each request reaches "
             "PostgreSQL.",
             "- CPU per request: user and system time of the processes of each kind during the "
             "run, over the requests served. PostgreSQL's is all three clusters'.",
             "- The ceiling: the same bytes from memory (`server/examples/ceiling.rs`) behind the "
             "same HAProxy.", "",
             "| Setup | Requests/s | Share of the ceiling | p50 | p99 | Errors | Server CPU/request "
             "| PostgreSQL CPU/request | PgBouncer CPU/request |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows:
        lines.append(f"| {name} | {r['rps']:.0f} | {r['rps'] / ceiling['rps']:.3f} | {r['p50']} "
                     f"| {r['p99']} | {r['errors']} | {r['server']:.3f} ms | {r['postgres']:.3f} ms "
                     f"| {r['pgbouncer']:.3f} ms |")
    lines.append(f"| ceiling (same bytes from memory) | {ceiling['rps']:.0f} | 1 | {ceiling['p50']} "
                 f"| {ceiling['p99']} | {ceiling['errors']} | {ceiling['server']:.3f} ms | - | - |")
    direct = dict(rows)["1 instance, straight to PostgreSQL"]
    pooled = dict(rows)["1 instance, through PgBouncer"]
    lines += ["", "The pooler's cost, one instance, same run: "
              f"{pooled['rps'] / direct['rps']:.2f}× the requests/s straight to PostgreSQL; "
              f"server CPU {pooled['server'] / direct['server']:.2f}×, PostgreSQL CPU "
              f"{pooled['postgres'] / direct['postgres']:.2f}× per request, and PgBouncer's own "
              f"{pooled['pgbouncer']:.3f} ms. Through a transaction pooler each statement is a "
              "transaction of its own and unnamed (`BEGIN`, Parse, Bind and Execute, `COMMIT`: "
              "four round trips where a cached statement takes one); what it buys is PostgreSQL "
              "connections shared by every task instead of held by each, and a proxy that holds "
              "requests through a failover."]
    return "\n".join(lines)


def main():
    if not CEILING.exists():
        run("cargo", "build", "--release", "--quiet", "-p", "server", "--example", "ceiling")
    topology.down(quiet=True)
    state = topology.up()
    seed(state)
    slug = topology.psql(state, "select slug from articles order by id limit 1")
    url = f"http://127.0.0.1:{state['ports']['lb']}/api/articles/{slug}"
    rows = []
    for name, instances, pooler, replica in SETUPS:
        say(name)
        servers = configure(state, instances, pooler, replica)
        run("wrk", "-t2", "-c20", "-d2s", url)  # warm the pools and the plans
        rows.append((name, measure(state, url, servers)))
    say("the ceiling behind the same balancer")
    body = ROOT / "target" / "bench-topology-body.json"
    body.write_text(run("curl", "-fsS", url))
    for name in topology.INSTANCES:
        topology.stop_instance(state, name)
    port = free_port()
    ceiling = subprocess.Popen([str(CEILING), f"127.0.0.1:{port}", str(body)])
    try:
        topology.wait_port(port, "the ceiling")
        topology.admin("lb.sock", f"set server app/app1 addr 127.0.0.1 port {port}")
        topology.admin("lb.sock", "enable server app/app1")
        time.sleep(3)
        run("wrk", "-t2", "-c20", "-d2s", f"http://127.0.0.1:{state['ports']['lb']}/")
        result = measure(state, f"http://127.0.0.1:{state['ports']['lb']}/", [ceiling.pid])
    finally:
        ceiling.terminate()
        ceiling.wait()
    cpu = run("sh", "-c", "awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo").strip()
    machine = f"Machine: {os.cpu_count()} cores ({cpu})"
    text = section(rows, result, machine)
    write_section("bench-topology", text)
    topology.down(quiet=True)
    print(text)


if __name__ == "__main__":
    main()
