#!/usr/bin/env python3
"""The container image, run as production runs it (make image-test).

Starts the image with podman against a fresh database on the test PostgreSQL,
with a read-only root file system and the image's own user, and checks:

  - it becomes ready (/readyz) and its HEALTHCHECK (`server healthcheck`) passes;
  - a short journey works through it: register, publish, read the article's
    page and its API resource;
  - it runs as a non-root user on a read-only root;
  - SIGTERM in the middle of a request: the request still completes, the
    container exits 0 within the grace period.

Prints the figures the deploy guide quotes: start-to-ready time and idle RSS.

  scripts/image-test.py DATABASE_BASE_URL     (postgres://.../ without a database name)
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from ports import free_port  # noqa: E402

IMAGE = os.environ.get("IMAGE", "localhost/conduit:latest")
NAME = "conduit-image-test"
# Ports nothing else holds: an answer on them can only be the container's
# (wait_ready also checks that the container says it listens there).
ADDR = ("127.0.0.1", free_port())
METRICS_ADDR = f"127.0.0.1:{free_port()}"
GRACE_SECS = 10
ENV = dict(os.environ, CONTAINERS_CONF=str(ROOT / "infra/container/containers.conf"))


def podman(*args, check=True, capture=True):
    result = subprocess.run(["podman", *args], env=ENV, text=True,
                            capture_output=capture, check=False)
    if check and result.returncode != 0:
        sys.exit(f"podman {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def psql(base, *commands):
    args = ["psql", f"{base}/postgres", "-qX", "-v", "ON_ERROR_STOP=1",
            "-c", "set client_min_messages = warning"]
    for command in commands:
        args += ["-c", command]
    subprocess.run(args, check=True)


def request(method, path, body=None, token=None, timeout=10):
    conn = http.client.HTTPConnection(*ADDR, timeout=timeout)
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def expect(condition, message):
    if not condition:
        print(podman("logs", "--tail", "40", NAME, check=False).stderr, file=sys.stderr)
        sys.exit(f"image test: {message}")
    print(f"  ok  {message}")


def container_pid():
    return int(podman("inspect", "--format", "{{.State.Pid}}", NAME).stdout.strip())


def status_field(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].split()
    raise KeyError(field)


def wait_ready(started, limit=30.0):
    """Seconds until the container answers /readyz with 200, itself: it is
    running and has said that it listens on ADDR."""
    listening = f"listening on http://{ADDR[0]}:{ADDR[1]}"
    while time.monotonic() - started < limit:
        running = podman("inspect", "--format", "{{.State.Running}}", NAME, check=False)
        if running.stdout.strip() != "true":
            expect(False, "the container keeps running while it starts")
        try:
            if request("GET", "/readyz", timeout=1)[0] == 200:
                logs = podman("logs", NAME, check=False)
                if listening in logs.stdout + logs.stderr:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    expect(False, f"/readyz answered 200 within {limit:.0f} s, from the container")


def journey():
    user = {"user": {"username": "imagetest", "email": "image@example.com", "password": "password123"}}
    status, body = request("POST", "/api/users", user)
    expect(status == 201, f"registering through the container is 201 (got {status})")
    token = json.loads(body)["user"]["token"]
    article = {"article": {"title": "Shipped in a container", "description": "d",
                           "body": "Runs *read-only*.", "tagList": ["containers"]}}
    status, body = request("POST", "/api/articles", article, token)
    expect(status == 201, f"publishing is 201 (got {status})")
    slug = json.loads(body)["article"]["slug"]
    status, page = request("GET", f"/article/{slug}")
    expect(status == 200 and b"Shipped in a container" in page and b"<em>read-only</em>" in page,
           "the article's page renders its title and markdown")
    status, body = request("GET", f"/api/articles/{slug}")
    expect(status == 200 and json.loads(body)["article"]["author"]["username"] == "imagetest",
           "the API returns the article with its author")
    return token


def sigterm_mid_request():
    """A sign-up whose body is still arriving when SIGTERM does: graceful
    shutdown lets it finish, then the process exits 0."""
    body = json.dumps({"user": {"username": "lastone", "email": "last@example.com",
                                "password": "password123"}}).encode()
    conn = socket.create_connection(ADDR, timeout=15)
    conn.sendall(b"POST /api/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                 + body[:10])
    time.sleep(0.2)
    stopped = time.monotonic()
    podman("kill", "--signal", "TERM", NAME)
    time.sleep(0.5)
    conn.sendall(body[10:])
    answer = b""
    while chunk := conn.recv(65536):
        answer += chunk
    conn.close()
    status_line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    expect(" 201 " in status_line, f"the request in flight at SIGTERM completes ({status_line})")
    exit_code = podman("wait", NAME).stdout.strip()
    took = time.monotonic() - stopped
    expect(exit_code == "0" and took < GRACE_SECS,
           f"the container exits 0 within the {GRACE_SECS} s grace period (exit {exit_code}, {took:.1f} s)")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = sys.argv[1].rstrip("/")
    psql(base, "drop database if exists conduit_image with (force)", "create database conduit_image")
    podman("rm", "--force", "--ignore", NAME)
    # The host's network: the test PostgreSQL listens on the host's loopback.
    args = ["run", "--detach", "--name", NAME, "--network", "host", "--read-only",
            "-e", f"DATABASE_URL={base}/conduit_image",
            "-e", "JWT_SECRET", "-e", f"LEPTOS_SITE_ADDR={ADDR[0]}:{ADDR[1]}",
            "-e", f"METRICS_ADDR={METRICS_ADDR}", "-e", f"SHUTDOWN_GRACE_SECS={GRACE_SECS}",
            "-e", f"PUBLIC_ORIGIN=http://{ADDR[0]}:{ADDR[1]}", IMAGE]
    ENV["JWT_SECRET"] = secrets.token_hex(32)  # passed by name: never on a command line
    try:
        started = time.monotonic()
        podman(*args)
        ready = wait_ready(started)
        print(f"  ok  ready {ready:.2f} s after `podman run`")
        pid = container_pid()
        time.sleep(1)
        idle_rss = int(status_field(pid, "VmRSS")[0])
        health = podman("healthcheck", "run", NAME, check=False)
        expect(health.returncode == 0, "the image's HEALTHCHECK (`server healthcheck`) passes")
        uids = status_field(pid, "Uid")
        expect(all(uid != "0" for uid in uids), f"the server runs as a non-root user (uid {uids[0]})")
        read_only = podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", NAME).stdout.strip()
        root_mount = next(line for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
                          if line.split()[4] == "/")
        expect(read_only == "true" and "ro" in root_mount.split()[5].split(","),
               "its root file system is mounted read-only")
        journey()
        rss_after = int(status_field(pid, "VmRSS")[0])
        sigterm_mid_request()
        print(f"image test: ready in {ready:.2f} s; idle RSS {idle_rss / 1024:.1f} MiB "
              f"({rss_after / 1024:.1f} MiB after the journey)")
    finally:
        podman("rm", "--force", "--ignore", NAME, check=False)
        psql(base, "drop database if exists conduit_image with (force)")


if __name__ == "__main__":
    main()
