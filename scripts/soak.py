#!/usr/bin/env python3
"""make soak: one instance under abuse and a database outage, for 60 s.

Everything on loopback, bounded in time and requests. At once:
  - a login flood from many forged client addresses (through a trusted
    proxy header), each connection dropped right after its request, so
    password hashes are abandoned mid-way;
  - slowloris sockets that send their headers a byte every few seconds;
  - sockets that connect and send nothing, and keep-alive connections
    (HTTP/1.1 and HTTP/2) that make one request and then idle, each
    measured until the server closes it;
  - anonymous reads from twice as many connections as the instance admits
    at once (wrk), to push it past its concurrency limit;
  - one reader, measuring its latency, and a prober on /healthz;
  - a writer posting a comment every half second.
Halfway through, PostgreSQL is stopped for 10 s and started again.

Writes docs/resilience.md. Uses only the standard library, wrk, and the
project's scripts/pg.sh (a private cluster under .data/soak).
"""

import asyncio
import json
import multiprocessing
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from ports import free_port, holder  # noqa: E402
from wrk import figures as wrk_figures  # noqa: E402

SERVER = ROOT / "target/release/server"
ADDR = ("127.0.0.1", int(os.environ.get("SOAK_PORT") or free_port()))
BASE = f"http://{ADDR[0]}:{ADDR[1]}"
DURATION = 60.0
OUTAGE_AT, OUTAGE_FOR = 25.0, 10.0
MAX_IN_FLIGHT = 200
SLOW_SOCKETS = 200
FLOOD_CONNECTIONS = 40
SILENT_SOCKETS = 300
IDLE_CONNECTIONS = 50
# Short enough to be seen within the soak; the defaults are 10 s and 75 s.
HEADER_READ_TIMEOUT, KEEP_ALIVE_TIMEOUT = 10, 20
# Above what the load opens at once (about 1,100): a cap the load reached
# would starve the reader and the prober too, which is what a cap does (it
# bounds memory, not who gets in; tests/api/connections.rs shows the wait).
MAX_CONNECTIONS = 1500
PG = {"CONDUIT_DATA_DIR": str(ROOT / ".data/soak"), **os.environ}


def pg(command):
    out = subprocess.run(["scripts/pg.sh", command], cwd=ROOT, env=PG, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def request(method, path, body=None, token=None, timeout=5.0, headers=None):
    """(status, seconds, body) of one request; status 0 when none came back."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Token {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            payload = response.read()
            return response.status, time.perf_counter() - start, payload
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - start, error.read()
    except Exception:
        return 0, time.perf_counter() - start, b""


def database_up():
    """Whether the server sees its database again (readiness stays 200
    through an outage; its body says what the database is doing)."""
    status, _, body = request("GET", "/readyz", timeout=1)
    try:
        return status == 200 and json.loads(body).get("database") == "up"
    except ValueError:
        return False


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []  # (t, status, seconds)

    def add(self, t, status, seconds):
        with self.lock:
            self.samples.append((t, status, seconds))

    def between(self, start, end):
        with self.lock:
            return [s for s in self.samples if start <= s[0] < end]


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def loop(stop, t0, recorder, interval, action):
    while not stop.is_set():
        start = time.perf_counter()
        status, seconds = action()
        recorder.add(start - t0, status, seconds)
        stop.wait(max(0.0, interval - (time.perf_counter() - start)))


async def slowloris(stop_at):
    """Sockets that never finish their headers (a byte every 3 s); each one
    the server cuts off reconnects. Returns how many were cut."""
    cut = 0

    async def one():
        nonlocal cut
        while time.monotonic() < stop_at:
            try:
                reader, writer = await asyncio.open_connection(*ADDR)
                writer.write(b"GET / HTTP/1.1\r\nHost: soak\r\n")
                await writer.drain()
                while time.monotonic() < stop_at:
                    try:
                        data = await asyncio.wait_for(reader.read(64), timeout=3)
                    except asyncio.TimeoutError:
                        writer.write(b"X")
                        await writer.drain()
                        continue
                    if not data or data.startswith(b"HTTP"):
                        cut += 1
                        break
                writer.close()
            except (ConnectionError, OSError):
                await asyncio.sleep(0.2)

    await asyncio.gather(*(one() for _ in range(SLOW_SOCKETS)))
    return cut


async def login_flood(stop_at):
    """Sign-ins from forged addresses, each dropped right after it is sent."""
    sent = 0

    async def one(worker):
        nonlocal sent
        while time.monotonic() < stop_at:
            address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
            body = json.dumps({"user": {"email": f"nobody{random.randrange(10**9)}@example.com",
                                        "password": "not-the-password"}}).encode()
            head = (f"POST /api/users/login HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                    f"X-Forwarded-For: {address}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
            try:
                reader, writer = await asyncio.open_connection(*ADDR)
                writer.write(head.encode() + body)
                await writer.drain()
                await asyncio.sleep(0.005)
                writer.close()
                sent += 1
            except (ConnectionError, OSError):
                await asyncio.sleep(0.05)

    await asyncio.gather(*(one(i) for i in range(FLOOD_CONNECTIONS)))
    return sent


async def silent(stop_at):
    """Sockets that connect and never send a byte, each reopened once the
    server closes it. Returns how long the server kept each (seconds)."""
    kept = []

    async def one():
        while time.monotonic() < stop_at:
            try:
                opened = time.monotonic()
                reader, writer = await asyncio.open_connection(*ADDR)
                left = stop_at - time.monotonic()
                data = await asyncio.wait_for(reader.read(64), timeout=max(left, 0.1))
                if not data:
                    kept.append(time.monotonic() - opened)
                writer.close()
            except (asyncio.TimeoutError, ConnectionError, OSError):
                await asyncio.sleep(0.2)

    await asyncio.gather(*(one() for _ in range(SILENT_SOCKETS)))
    return kept


# HTTP/2 with prior knowledge: the preface, empty SETTINGS, and one HEADERS
# frame (stream 1, END_STREAM|END_HEADERS) for GET /healthz, in HPACK:
# :method GET (static 2), :scheme http (6), :path literal "/healthz" (name 4),
# :authority literal "soak" (name 1).
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
H2_BLOCK = bytes([0x82, 0x86, 0x04, 8]) + b"/healthz" + bytes([0x01, 4]) + b"soak"
H2_GET = len(H2_BLOCK).to_bytes(3, "big") + bytes([1, 5, 0, 0, 0, 1]) + H2_BLOCK
H2_GOAWAY = 7


async def idle(stop_at, http2):
    """Keep-alive connections that make one request and then say nothing:
    how long after its answer the server closed each and, for HTTP/2, how
    long until it said so with a GOAWAY (this client never answers the
    server's pings or acknowledges its settings, so the server then closes
    it a header timeout later)."""
    kept, told = [], []

    async def one():
        while time.monotonic() < stop_at:
            try:
                reader, writer = await asyncio.open_connection(*ADDR)
                writer.write(H2_PREFACE + H2_GET if http2 else
                             b"GET /healthz HTTP/1.1\r\nHost: soak\r\n\r\n")
                await writer.drain()
                answered, goaway, seen = None, None, b""
                while time.monotonic() < stop_at:
                    left = stop_at - time.monotonic()
                    data = await asyncio.wait_for(reader.read(4096), timeout=max(left, 0.1))
                    if not data:
                        break
                    seen += data
                    if answered is None:
                        answered = time.monotonic()
                    elif http2 and goaway is None and has_goaway(seen):
                        goaway = time.monotonic()
                if answered is not None and time.monotonic() < stop_at:
                    kept.append(time.monotonic() - answered)
                    if goaway is not None:
                        told.append(goaway - answered)
                writer.close()
            except (asyncio.TimeoutError, ConnectionError, OSError):
                await asyncio.sleep(0.2)

    await asyncio.gather(*(one() for _ in range(IDLE_CONNECTIONS)))
    return {"kept": kept, "told": told}


def has_goaway(frames):
    """Whether a GOAWAY is among the server's HTTP/2 frames."""
    at = 0
    while at + 9 <= len(frames):
        length = int.from_bytes(frames[at:at + 3], "big")
        if frames[at + 3] == H2_GOAWAY:
            return True
        at += 9 + length
    return False


def open_sockets(pid):
    """Sockets the server process holds: its connections, listeners and pool."""
    try:
        fds = Path(f"/proc/{pid}/fd")
        return sum(1 for fd in fds.iterdir() if os.readlink(fd).startswith("socket:"))
    except OSError:
        return 0


def rss_kib(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    except (OSError, AttributeError):
        return 0


def main():
    pg("start")
    url = pg("url")
    database = url.rsplit("/", 1)[0] + "/conduit_soak"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", "drop database if exists conduit_soak with (force)",
                    "-c", "create database conduit_soak"], check=True)
    env = {**os.environ, "DATABASE_URL": database, "LEPTOS_SITE_ADDR": f"{ADDR[0]}:{ADDR[1]}",
           "METRICS_ADDR": "127.0.0.1:0", "APP_ENV": "development", "SEED_DEMO_DATA": "true",
           "RUST_LOG": "warn", "TRUSTED_PROXIES": "127.0.0.1/32",
           "MAX_IN_FLIGHT": str(MAX_IN_FLIGHT), "LOG_FORMAT": "json",
           "HEADER_READ_TIMEOUT_SECS": str(HEADER_READ_TIMEOUT),
           "KEEP_ALIVE_TIMEOUT_SECS": str(KEEP_ALIVE_TIMEOUT),
           "MAX_CONNECTIONS": str(MAX_CONNECTIONS)}
    taken = holder(ADDR[1])
    if taken:
        sys.exit(f"soak: {taken}")
    log = open(ROOT / "target/soak-server.log", "w")
    server = subprocess.Popen([str(SERVER)], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        for _ in range(200):
            if server.poll() is not None:
                sys.exit(f"soak: the server exited ({server.returncode}); see target/soak-server.log")
            if request("GET", "/readyz")[0] == 200:
                break
            time.sleep(0.1)
        report = run(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        pg("start")
        pg("stop")
    write(report)


def run(server):
    status, _, body = request("POST", "/api/users/login",
                              {"user": {"email": "johndoe@example.com", "password": "password123"}})
    token = json.loads(body)["user"]["token"]
    slug = json.loads(request("GET", "/api/articles?limit=1")[2])["articles"][0]["slug"]
    pages = ["/", f"/article/{slug}", "/profile/johndoe", "/api/articles", "/api/tags"]
    for page in pages:  # warm the cache
        request("GET", page)
    idle_rss = rss_kib(server.pid)

    # Capacity of anonymous reads, alone, for the report.
    base = run_wrk(50, 5)

    stop = threading.Event()
    t0 = time.perf_counter()
    reader, prober, writer = Recorder(), Recorder(), Recorder()
    threads = [
        threading.Thread(target=loop, args=(stop, t0, reader, 0.05,
                         lambda: request("GET", random.choice(pages))[:2])),
        threading.Thread(target=loop, args=(stop, t0, prober, 0.2,
                         lambda: request("GET", "/healthz", timeout=2)[:2])),
        threading.Thread(target=loop, args=(stop, t0, writer, 0.5,
                         lambda: request("POST", f"/api/articles/{slug}/comments",
                                         {"comment": {"body": "still here"}}, token,
                                         headers={"X-Forwarded-For": "192.0.2.1"})[:2])),
    ]
    for thread in threads:
        thread.start()
    rss, sockets = [], []

    def sample_memory():
        while not stop.is_set():
            rss.append(rss_kib(server.pid))
            sockets.append(open_sockets(server.pid))
            stop.wait(0.5)

    sampler = threading.Thread(target=sample_memory)
    sampler.start()

    # The attackers run in their own (niced) process: on a real deployment
    # they are on other machines, not competing with the server for its CPU.
    results = multiprocessing.Queue()
    attacker = multiprocessing.Process(target=attack, args=(results,))
    attacker.start()
    flood = {}
    wrk = threading.Thread(target=lambda: flood.update(run_wrk(2 * MAX_IN_FLIGHT, int(DURATION), nice=True)))
    wrk.start()

    time.sleep(OUTAGE_AT)
    outage_start = time.perf_counter() - t0
    pg("stop")
    time.sleep(OUTAGE_FOR)
    pg("start")
    restart = time.perf_counter() - t0
    recovered = None
    while time.perf_counter() - t0 < DURATION:
        if recovered is None and database_up():
            recovered = time.perf_counter() - t0 - restart
        time.sleep(0.1)
    stop.set()
    for thread in threads + [sampler, wrk]:
        thread.join()
    abuse = results.get(timeout=60)
    attacker.join()
    if "error" in abuse:
        raise RuntimeError(f"the attackers failed: {abuse['error']}")

    outage = (outage_start, restart)
    return {
        "idle_rss_mib": idle_rss / 1024, "max_rss_mib": max(rss) / 1024,
        "max_sockets": max(sockets),
        "base": base, "flood": flood, "abuse": abuse, "outage": outage, "recovered": recovered,
        "reader": reader, "prober": prober, "writer": writer,
    }


def attack(results):
    os.nice(10)
    stop_at = time.monotonic() + DURATION

    async def all_of_them():
        return await asyncio.gather(slowloris(stop_at), login_flood(stop_at), silent(stop_at),
                                    idle(stop_at, http2=False), idle(stop_at, http2=True))

    try:
        slow_cut, logins, quiet, idle_h1, idle_h2 = asyncio.run(all_of_them())
        results.put({"slow_cut": slow_cut, "logins": logins, "silent": quiet,
                     "idle_h1": idle_h1, "idle_h2": idle_h2})
    except Exception as error:  # the report says what failed, not just that nothing came
        results.put({"error": repr(error)})
        raise


def run_wrk(connections, seconds, nice=False):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(ROOT / "scripts/bench/statuses.lua"), BASE + "/"]
    if nice:
        command = ["nice", "-n", "10"] + command
    out = subprocess.run(command, capture_output=True, text=True).stdout
    rate = wrk_figures(out)["rps"]
    statuses = dict(re.findall(r"status (\d+): (\d+)", out))
    return {"rate": rate, "statuses": {k: int(v) for k, v in statuses.items()}}


def summary(recorder, start, end):
    samples = recorder.between(start, end)
    statuses = {}
    for _, status, _ in samples:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = [s[2] * 1000 for s in samples]
    return {"n": len(samples), "statuses": statuses,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "max": max(latencies) if latencies else float("nan")}


def kept(durations):
    """'N, kept 9.8–10.4 s': how many closed, and the range of their lifetimes."""
    if not durations:
        return "none"
    return f"{len(durations)}, kept {min(durations):.1f}–{max(durations):.1f} s"


def last_failure(recorder, restart):
    """Seconds after `restart` of the last answer that was not a 2xx, or '-'."""
    failed = [t for t, status, _ in recorder.between(restart, DURATION) if not 200 <= status < 300]
    return f"+{max(failed) - restart:.1f} s" if failed else "none"


def write(r):
    start, restart = r["outage"]
    phases = {"before the outage": (0, start), "database down": (start, restart),
              "after": (restart, DURATION)}
    lines = [
        "# Resilience",
        "",
        "Written by `make soak` (scripts/soak.py); do not edit by hand.",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}",
        f"- One release server (MAX_IN_FLIGHT={MAX_IN_FLIGHT}, HEADER_READ_TIMEOUT_SECS={HEADER_READ_TIMEOUT}, "
        f"KEEP_ALIVE_TIMEOUT_SECS={KEEP_ALIVE_TIMEOUT}, MAX_CONNECTIONS={MAX_CONNECTIONS}, defaults otherwise), "
        "PostgreSQL 15 and the load, all on one 2-core machine.",
        f"- For {DURATION:.0f} s at once: {SLOW_SOCKETS} slowloris sockets, {SILENT_SOCKETS} sockets that never send a byte, "
        f"{IDLE_CONNECTIONS} HTTP/1.1 and {IDLE_CONNECTIONS} HTTP/2 keep-alive connections that make one request and idle, "
        f"a login flood on {FLOOD_CONNECTIONS} connections "
        f"from random forged addresses (each dropped right after sending), anonymous reads of `/` by wrk on "
        f"{2 * MAX_IN_FLIGHT} connections (twice the concurrency limit), a reader (one page every 50 ms), "
        f"a prober on `/healthz` (every 200 ms) and a writer (a comment every 500 ms).",
        f"- PostgreSQL stopped at {start:.1f} s and started again at {restart:.1f} s.",
        "",
        "| figure | value | target |",
        "|---|---:|---|",
        f"| resident memory, idle | {r['idle_rss_mib']:.0f} MiB | |",
        f"| resident memory, highest | {r['max_rss_mib']:.0f} MiB | < 300 MiB |",
        f"| anonymous `/` alone (wrk, 50 connections, 5 s) | {r['base']['rate']:.0f} req/s | |",
        f"| anonymous `/` under the soak (wrk, {2 * MAX_IN_FLIGHT} connections) | {r['flood']['rate']:.0f} req/s, statuses {r['flood']['statuses']} | only 200 and shed 503 |",
        f"| login requests sent and dropped | {r['abuse']['logins']} | |",
        f"| slowloris sockets cut by the header timeout | {r['abuse']['slow_cut']} | |",
        f"| silent sockets (never a byte) closed, and how long each was kept | {kept(r['abuse']['silent'])} | "
        f"≈ {HEADER_READ_TIMEOUT} s (the header read timeout) |",
        f"| idle HTTP/1.1 keep-alive connections closed after their answer | {kept(r['abuse']['idle_h1']['kept'])} | "
        f"≈ {KEEP_ALIVE_TIMEOUT} s (the keep-alive timeout) |",
        f"| idle HTTP/2 connections sent a GOAWAY after their answer | {kept(r['abuse']['idle_h2']['told'])} | "
        f"≈ {KEEP_ALIVE_TIMEOUT} s (the keep-alive timeout) |",
        f"| … and closed (this client never answers pings) | {kept(r['abuse']['idle_h2']['kept'])} | "
        f"≈ {KEEP_ALIVE_TIMEOUT + HEADER_READ_TIMEOUT} s (plus the header read timeout) |",
        f"| sockets the server held at once (highest; MAX_CONNECTIONS={MAX_CONNECTIONS}) | {r['max_sockets']} | "
        f"≤ {MAX_CONNECTIONS} + its listeners and pool |",
        f"| back to ready after PostgreSQL started | {r['recovered']:.1f} s | < 5 s |" if r["recovered"] is not None
        else "| back to ready after PostgreSQL started | never | < 5 s |",
        f"| last failed read / write after PostgreSQL started | {last_failure(r['reader'], restart)} / {last_failure(r['writer'], restart)} | within 5 s |",
        "",
        "| client | phase | requests | statuses | p50 | p99 | max |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for name in ("reader", "prober", "writer"):
        for phase, (a, b) in phases.items():
            s = summary(r[name], a, b)
            lines.append(f"| {name} | {phase} | {s['n']} | {s['statuses']} | {s['p50']:.1f} ms | "
                         f"{s['p99']:.1f} ms | {s['max']:.1f} ms |")
    lines += [
        "",
        "Reading the table: the reader's pages come from the response tier, so they keep answering "
        "while the database is down; the writer's comments fail fast with 503 then and succeed again "
        "after; the prober never fails. Status 0 means no answer at all (a timeout or a refused connection).",
    ]
    (ROOT / "docs/resilience.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
