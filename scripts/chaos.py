#!/usr/bin/env python3
"""The topology under load, one part failing at a time (scripts/topology.py).

  scripts/chaos.py checks   replica reads, read-your-writes (also with the
                            replica's replay paused), coherence, the CDN
  scripts/chaos.py faults   the faults, one line each; exit 1 when one
                            misses its target
  scripts/chaos.py all      both (make test)

Both expect a topology that is up (`make topology`); `make chaos` starts a
fresh one, runs the faults and stops it.

The faults, each under a bounded mixed load through the balancer (reads of
lists, articles and comments; writes of comments), with a few seconds of
load before and after:

  instance-kill    SIGKILL one server; the orchestrator starts another
  replica-stop     the read replica stops (and stays down for the run)
  pooler-restart   PgBouncer stops at once and starts again
  writer-failover  the writer stops at once; the synchronous standby is
                   promoted; the database's name (HAProxy) moves to it

and each line says:

  acknowledged writes lost   comments answered 201 and missing from the
                             writer afterwards (target 0)
  failed requests            answers other than 2xx, and 503s without
                             Retry-After, over all requests (target < 0.1%;
                             503 with Retry-After is counted apart: the
                             client was told to try again)
  recovered in               from the fault to the last answer that was not
                             2xx (target 5 s, 10 s for the failover)
  restarts                   instances the container health check (/healthz,
                             3 misses in a row) would have replaced (target 0)
"""

import http.client
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import topology  # noqa: E402

# The load: workers in parallel, each pausing between requests; about 190
# requests a second on this machine, a fifth of them writes.
WORKERS = 8
PAUSE = 0.04
WRITE_SHARE = 0.2
BEFORE, AFTER = 4.0, 12.0
TARGETS = {"instance-kill": 5.0, "replica-stop": 5.0, "pooler-restart": 5.0,
           "writer-failover": 10.0}
# The stack's container health check, in the same proportion as the
# target group's (topology.CHECK): every second, three misses replace it.
HEALTH_EVERY, HEALTH_MISSES = 1.0, 3


def say(message):
    print(f"chaos: {message}", flush=True)


class Client:
    """One keep-alive connection to `port`, reopened after an error."""

    def __init__(self, port, timeout=10):
        self.port, self.timeout, self.conn = port, timeout, None

    def request(self, method, path, body=None, token=None):
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        if token:
            headers["Authorization"] = f"Token {token}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, dict(response.getheaders()), data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                # A keep-alive connection the balancer had closed while idle
                # is not the service failing: once more on a new one, as
                # browsers do. A second failure is one.
                if attempt == 2 or method != "GET":
                    return 0, {}, b""

    def json(self, method, path, body=None, token=None):
        status, headers, data = self.request(method, path, body, token)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, None


def register(client, name):
    status, body = client.json("POST", "/api/users", {"user": {
        "username": name, "email": f"{name}@example.com", "password": "chaos-password-1"}})
    assert status == 201, (status, body)
    return body["user"]["token"]


def publish(client, token, title):
    status, body = client.json("POST", "/api/articles", {"article": {
        "title": title, "description": "under load", "body": "Text.", "tagList": ["chaos"]}},
        token)
    assert status == 201, (status, body)
    return body["article"]["slug"]


# --- the load ------------------------------------------------------------------------------

class Load:
    """Workers sending a mixed load through the balancer until stopped."""

    def __init__(self, state, accounts):
        self.port = state["ports"]["lb"]
        self.accounts = accounts  # [(token, slug)]
        self.results = []  # (ended at, status, retry_after, kind)
        self.acknowledged = []  # comment ids answered 201
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.work, args=(n,), daemon=True)
                        for n in range(WORKERS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def work(self, n):
        client = Client(self.port)
        rng = random.Random(n)
        while not self.stopping.is_set():
            token, slug = rng.choice(self.accounts)
            if rng.random() < WRITE_SHARE:
                kind = "write"
                status, headers, data = client.request(
                    "POST", f"/api/articles/{slug}/comments",
                    {"comment": {"body": f"load {n} {time.monotonic()}"}}, token)
                if status == 201:
                    with self.lock:
                        self.acknowledged.append(json.loads(data)["comment"]["id"])
            else:
                kind = "read"
                path = rng.choice(["/api/articles?limit=10", f"/api/articles/{slug}",
                                   f"/api/articles/{slug}/comments", "/api/tags"])
                status, headers, _ = client.request("GET", path, token=rng.choice([None, token]))
            retry_after = any(k.lower() == "retry-after" for k in headers)
            with self.lock:
                self.results.append((time.monotonic(), status, retry_after, kind))
            time.sleep(PAUSE)


class HealthWatch:
    """The container health check of every instance, counting the
    replacements it would order (the instance killed on purpose aside)."""

    def __init__(self, state):
        self.state = state
        self.misses = {name: 0 for name in topology.INSTANCES}
        self.restarts = 0
        self.excused = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join()

    def watch(self):
        while not self.stopping.wait(HEALTH_EVERY):
            for name in topology.INSTANCES:
                if name in self.excused:
                    continue
                status, _, _ = Client(self.state["ports"][name], timeout=2).request("GET", "/healthz")
                self.misses[name] = 0 if status == 200 else self.misses[name] + 1
                if self.misses[name] == HEALTH_MISSES:
                    self.restarts += 1
                    say(f"{name} failed its container health check {HEALTH_MISSES} times")


# --- the faults -----------------------------------------------------------------------------

def kill_instance(state, health):
    name = "app2"
    health.excused.add(name)
    pid = state["pids"][name]
    os.killpg(pid, signal.SIGKILL)
    while topology.alive(pid):
        time.sleep(0.01)
    # The orchestrator takes the stopped task out of the target group, starts
    # a new one, and registers it once it is ready (ECS registers a task's
    # new address, which gets traffic after its health checks pass).
    topology.admin("lb.sock", f"disable server app/{name}")
    time.sleep(1)
    topology.start_instance(state, name)
    topology.wait_ready(state, [name])
    topology.admin("lb.sock", f"enable server app/{name}")

    def settled():
        health.misses[name] = 0
        health.excused.discard(name)
    return settled


def stop_replica(state, health):
    topology.pg_stop("replica", "fast")
    return lambda: topology.pg_start("replica", state)


def restart_pooler(state, health):
    topology.stop_pgbouncer()
    topology.start_pgbouncer(state)
    return lambda: None


def fail_over(state, health):
    topology.pg_stop("writer", "immediate")
    topology.as_postgres([topology.pg_bin("pg_ctl"), "-D", str(topology.pg_dir("standby")),
                          "-w", "promote"])
    # The name moves: new sessions (the pooler's, the listeners', the
    # replica's) reach the promoted standby.
    topology.admin("dbname.sock", "disable server dbname/writer")
    topology.admin("dbname.sock", "enable server dbname/standby")
    topology.admin("dbname.sock", "shutdown sessions server dbname/writer")
    state["primary"] = "standby"
    topology.save(state)
    return lambda: None


FAULTS = {
    "instance-kill": kill_instance,
    "replica-stop": stop_replica,
    "pooler-restart": restart_pooler,
    "writer-failover": fail_over,
}


def run_fault(state, accounts, name):
    load, health = Load(state, accounts), HealthWatch(state)
    load.start()
    health.start()
    time.sleep(BEFORE)
    struck = time.monotonic()
    settle = FAULTS[name](state, health)
    time.sleep(AFTER)
    load.stop()
    health.stop()
    settle()
    ids = ",".join(str(i) for i in load.acknowledged) or "0"
    present = int(topology.psql(state, f"select count(*) from comments where id in ({ids})"))
    lost = len(load.acknowledged) - present
    total = len(load.results)
    told_to_retry = sum(1 for _, status, retry, _ in load.results if status == 503 and retry)
    failed = sum(1 for _, status, retry, _ in load.results
                 if not 200 <= status < 300 and not (status == 503 and retry))
    not_ok = [at for at, status, _, _ in load.results if not 200 <= status < 300 and at >= struck]
    recovered = (max(not_ok) - struck) if not_ok else 0.0
    share = 100.0 * failed / max(total, 1)
    print(f"fault {name}: acknowledged writes lost {lost}, failed requests {share:.2f}%, "
          f"recovered in {recovered:.1f} s, restarts {health.restarts}", flush=True)
    say(f"  ({total} requests, {len(load.acknowledged)} writes acknowledged, "
        f"{told_to_retry} answered 503 with Retry-After, {failed} failed)")
    return lost == 0 and share < 0.1 and recovered <= TARGETS[name] and health.restarts == 0


def accounts_for(state, count=6):
    client = Client(state["ports"]["lb"])
    tag = f"{int(time.time()) % 100000}"
    made = []
    for n in range(count):
        token = register(client, f"chaos{tag}n{n}")
        made.append((token, publish(client, token, f"Under load {tag} {n}")))
    return made


def faults(names=None):
    state = topology.load()
    if not state:
        sys.exit("chaos: no topology is up (make topology)")
    accounts = accounts_for(state)
    ok = True
    for name in names or FAULTS:
        ok &= run_fault(state, accounts, name)
        if name == "writer-failover":
            ok &= coherence(state, "after the failover")
    return ok


# --- the checks -----------------------------------------------------------------------------

def replica_reads(state):
    """An anonymous list is read on the replica: the instances count it
    there, and so does the replica's own statistics."""
    lb = Client(state["ports"]["lb"])

    def scans():
        return int(topology.psql(state, "select coalesce(sum(idx_scan + seq_scan), 0) "
                               "from pg_stat_user_tables where relname = 'articles'", "replica"))
    before, counted = scans(), reads_to(state, "replica")
    # Distinct pages, so that neither cache answers them.
    for offset in range(20):
        status, _, _ = lb.request("GET", f"/api/articles?limit=1&offset={1000 + offset}")
        assert status == 200, status
    on_replica = reads_to(state, "replica") - counted
    # A backend flushes its statistics at most once a second; one that goes
    # idle within that second flushes them 10 s later (PGSTAT_IDLE_INTERVAL).
    deadline = time.monotonic() + 12
    while scans() <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    grew = scans() - before
    say(f"anonymous lists: {on_replica} reads sent to the replica for 20 pages, "
        f"{grew} scans of articles counted there")
    return on_replica >= 20 and grew > 0


def read_your_writes(state, rounds=30):
    """Each write is in its writer's very next read, whichever instance
    serves it; and in everyone's within the lag bound."""
    lb = Client(state["ports"]["lb"])
    token = register(lb, f"ryw{int(time.time() * 1000) % 10**8}")
    slug = publish(lb, token, "Read your writes")
    missed = 0
    for n in range(rounds):
        body = f"write {n}"
        status, _ = lb.json("POST", f"/api/articles/{slug}/comments",
                            {"comment": {"body": body}}, token)
        assert status == 201, status
        status, answer = lb.json("GET", f"/api/articles/{slug}/comments", token=token)
        if status != 200 or body not in [c["body"] for c in answer["comments"]]:
            missed += 1
    others = [Client(state["ports"][name]) for name in topology.INSTANCES]
    deadline = time.monotonic() + 5
    seen_by_all = False
    while time.monotonic() < deadline and not seen_by_all:
        seen_by_all = all(f"write {rounds - 1}" in json.dumps(c.json(
            "GET", f"/api/articles/{slug}/comments")[1]) for c in others)
    say(f"read-your-writes: {rounds - missed}/{rounds} next reads saw the write; "
        f"every instance anonymously: {seen_by_all}")
    return missed == 0 and seen_by_all


def reads_to(state, where):
    """Reads every instance counted as sent `where` (replica, writer, writer_fallback)."""
    total = 0
    for name in topology.INSTANCES:
        log = (topology.HOME / f"{name}.log").read_text()
        metrics = log.split("metrics on ")[-1].split("/metrics")[0]
        with urllib.request.urlopen(f"{metrics}/metrics", timeout=5) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith(f'conduit_db_reads_total{{to="{where}"}}'):
                    total += int(line.split()[-1])
    return total


def replica_behind(state, bound=5.0):
    """With the replica's replay paused, reads still see every write (the
    replica answers only what it has replayed), and the replica leaves
    rotation once it lags past the bound; it comes back when it catches up."""
    lb = Client(state["ports"]["lb"])
    token = register(lb, f"lag{int(time.time() * 1000) % 10**8}")
    slug = publish(lb, token, "Behind")
    topology.psql(state, "select pg_wal_replay_pause()", "replica")
    try:
        before = reads_to(state, "writer_fallback")
        stale = 0
        for n in range(10):
            body = f"while paused {n}"
            status, _ = lb.json("POST", f"/api/articles/{slug}/comments",
                                {"comment": {"body": body}}, token)
            assert status == 201, status
            for reader in (token, None):
                status, answer = lb.json("GET", f"/api/articles/{slug}/comments", token=reader)
                stale += status != 200 or body not in [c["body"] for c in answer["comments"]]
        fell_back = reads_to(state, "writer_fallback") - before
        time.sleep(bound + 2.5)
        out = [Client(state["ports"][name]).json("GET", "/readyz")[1].get("replica")
               for name in topology.INSTANCES]
    finally:
        topology.psql(state, "select pg_wal_replay_resume()", "replica")
    deadline = time.monotonic() + 10
    back = False
    while time.monotonic() < deadline and not back:
        back = all(Client(state["ports"][name]).json("GET", "/readyz")[1].get("replica")
                   == "in rotation" for name in topology.INSTANCES)
        time.sleep(0.2)
    say(f"replica paused: {20 - stale}/20 reads saw the write ({fell_back} went to the writer "
        f"instead); after {bound + 2.5:.1f} s: {', '.join(out)}; back in rotation: {back}")
    return stale == 0 and fell_back > 0 and all(o == "out of rotation" for o in out) and back


def coherence(state, when="", within=1.0, rounds=5):
    """A write through one instance is read through the others within `within`."""
    direct = {name: Client(state["ports"][name]) for name in topology.INSTANCES}
    writer_name = topology.INSTANCES[0]
    token = register(direct[writer_name], f"coh{int(time.time() * 1000) % 10**8}")
    slug = publish(direct[writer_name], token, "Coherent")
    # Warm every instance's cache with the article first.
    for client in direct.values():
        client.json("GET", f"/api/articles/{slug}")
    worst = 0.0
    for n in range(rounds):
        title = f"Coherent {n}"
        status, _ = direct[writer_name].json("PUT", f"/api/articles/{slug}",
                                             {"article": {"body": title}}, token)
        assert status == 200, status
        wrote = time.monotonic()
        for name, client in direct.items():
            while True:
                status, answer = client.json("GET", f"/api/articles/{slug}")
                if status == 200 and answer["article"]["body"] == title:
                    break
                if time.monotonic() - wrote > within:
                    say(f"coherence{' ' + when if when else ''}: {name} still stale after {within} s")
                    return False
                time.sleep(0.01)
            worst = max(worst, time.monotonic() - wrote)
    say(f"coherence{' ' + when if when else ''}: every instance saw each of {rounds} writes "
        f"within {worst * 1000:.0f} ms")
    return True


def cdn(state):
    """The CDN keeps what is public and nothing personal (docs/caching.md)."""
    edge = Client(state["ports"]["cdn"])
    token = register(Client(state["ports"]["lb"]), f"cdn{int(time.time() * 1000) % 10**8}")

    def cache_status(token=None):
        _, headers, _ = edge.request("GET", "/api/tags", token=token)
        return {k.lower(): v for k, v in headers.items()}.get("x-cache-status")
    public = [cache_status() for _ in range(2)]
    personal = [cache_status(token) for _ in range(2)]
    say(f"CDN: an anonymous read {' then '.join(map(str, public))}; a signed-in one "
        f"{' then '.join(map(str, personal))}")
    return public[-1] == "HIT" and "HIT" not in personal


def checks():
    state = topology.load()
    if not state:
        sys.exit("chaos: no topology is up (make topology)")
    return (replica_reads(state) & read_your_writes(state) & replica_behind(state)
            & coherence(state) & cdn(state))


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["checks"]:
            passed = checks()
        case ["faults", *names]:
            passed = faults(names)
        case ["all"]:
            passed = checks() & faults()
        case _:
            sys.exit(__doc__)
    sys.exit(0 if passed else 1)
