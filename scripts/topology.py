#!/usr/bin/env python3
"""The growth stages' topology on one machine, from Debian's packages only.

  scripts/topology.py up       start every part (idempotent) and print the URLs
  scripts/topology.py status   say which parts run, and where
  scripts/topology.py down     stop what `up` started (only that), keep nothing

Every part listens on a free port of 127.0.0.1 and keeps its state under
.data/topology/ (git-ignored; TOPOLOGY_DIR elsewhere):

  writer     PostgreSQL primary (the Multi-AZ writer)
  standby    a synchronous standby of it (the Multi-AZ standby: every commit
             waits for it, so a failover loses no acknowledged write)
  replica    an asynchronous read replica (DATABASE_READ_URL), following the
             database's name, so that it follows a failover too
  dbname     HAProxy in TCP mode in front of the writer: the database's
             stable name, which a failover points at the promoted standby
             (as RDS moves its DNS name)
  pgbouncer  PgBouncer in transaction mode in front of that name and of the
             replica (RDS Proxy's role, with its read-only endpoint:
             DATABASE_URL and DATABASE_READ_URL)
  app1..3    three release servers (target/release/server): requests through
             the pooler, LISTEN and migrations straight to the name
  lb         HAProxy in HTTP mode in front of them (the ALB: health checks on
             /readyz, as the stack's target group)
  cdn        nginx with proxy_cache in front of the balancer (CloudFront: it
             keeps what the server says it may, docs/caching.md)

The chaos tests (scripts/chaos.py) drive faults through the functions here.
"""

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from ports import free_port  # noqa: E402


def _home():
    """Where the parts keep their state. TOPOLOGY_DIR: the tests' own (make
    test, make chaos), apart from one a developer keeps up with `make
    topology`. As root, PostgreSQL and PgBouncer run as the postgres user,
    who must reach the directory: a checkout under a private home directory
    keeps it under /var/tmp instead (one per checkout), as scripts/pg.sh does."""
    wanted = Path(os.environ.get("TOPOLOGY_DIR", ROOT / ".data" / "topology")).resolve()
    existing = wanted
    while not existing.exists():
        existing = existing.parent
    if os.geteuid() == 0 and subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(existing)]).returncode != 0:
        digest = hashlib.md5(str(wanted).encode()).hexdigest()[:12]
        return Path("/var/tmp") / f"conduit-topology-{digest}"
    return wanted


HOME = _home()
STATE = HOME / "state.json"
SERVER = ROOT / "target" / "release" / "server"
USER = "conduit"
DATABASE = "conduit"
# PgBouncer's name for the replica: its database alias in front of the
# readers (RDS Proxy's read-only endpoint).
READER = "conduit_reader"
INSTANCES = ("app1", "app2", "app3")
# The stack's target group: /readyz every 15 s, 3 failures out, 2 back in.
# Faster here, in the same proportions, so that a test sees it in seconds.
CHECK = {"inter": "1s", "fall": 3, "rise": 2}


def pg_bin(tool):
    for version in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        if (version / "bin" / tool).exists():
            return str(version / "bin" / tool)
    found = shutil.which(tool)
    if not found:
        sys.exit(f"topology: {tool} is missing (Debian package postgresql)")
    return found


def as_postgres(args, check=True, **kwargs):
    """Runs a PostgreSQL tool as the cluster's owner (root may not run them)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=check, capture_output=True, text=True, **kwargs)


def load():
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def save(state):
    HOME.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=1))


def alive(pid):
    """Whether process `pid` runs (a child of ours that exited is reaped)."""
    if not isinstance(pid, int):
        return False
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def wait_port(port, what, limit=30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"topology: {what} did not listen on {port}")


def url(state, part, database=DATABASE):
    password = state["password"]
    port = state["ports"][part]
    return f"postgres://{USER}:{password}@127.0.0.1:{port}/{database}"


# --- PostgreSQL ----------------------------------------------------------------------------

def pg_dir(name):
    return HOME / name


def pg_running(name):
    return (pg_dir(name) / "postmaster.pid").exists() and as_postgres(
        [pg_bin("pg_ctl"), "-D", str(pg_dir(name)), "status"], check=False).returncode == 0


def pg_start(name, state):
    if pg_running(name):
        return
    log = HOME / f"{name}.log"
    log.touch()
    shutil.chown(log, "postgres") if os.geteuid() == 0 else None
    as_postgres([pg_bin("pg_ctl"), "-D", str(pg_dir(name)), "-l", str(log), "-w", "-t", "60",
                 "-o", f"-p {state['ports'][name]} -k {HOME}", "start"])


def pg_stop(name, mode="fast"):
    if pg_running(name):
        as_postgres([pg_bin("pg_ctl"), "-D", str(pg_dir(name)), "-m", mode, "-w", "stop"])


def init_writer(state):
    data = pg_dir("writer")
    pwfile = HOME / "pwfile"
    pwfile.write_text(state["password"] + "\n")
    if os.geteuid() == 0:
        shutil.chown(HOME, "postgres")
        shutil.chown(pwfile, "postgres")
    as_postgres([pg_bin("initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
                 "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"])
    pwfile.unlink()
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\n# scripts/topology.py\nlisten_addresses = '127.0.0.1'\n"
                   "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n"
                   "synchronous_commit = on\n"
                   "wal_keep_size = '256MB'\nmax_connections = 200\n")
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write("host replication conduit 127.0.0.1/32 scram-sha-256\n")


def base_backup(name, state, application_name):
    """A standby of the writer, following the database's name (so that it
    follows whichever node a failover promotes)."""
    data = pg_dir(name)
    env = dict(os.environ, PGPASSWORD=state["password"])
    as_postgres([pg_bin("pg_basebackup"), "-D", str(data), "-h", "127.0.0.1",
                 "-p", str(state["ports"]["writer"]), "-U", USER, "-X", "stream", "-R",
                 "--checkpoint=fast"], env=env)
    conninfo = (f"host=127.0.0.1 port={state['ports'][state['follow'][name]]} user={USER} "
                f"password={state['password']} application_name={application_name}")
    # Once promoted, a standby has no standby of its own to wait for (as a
    # Multi-AZ failover leaves the new writer until a standby is rebuilt).
    (data / "postgresql.auto.conf").write_text(
        f"primary_conninfo = '{conninfo}'\nsynchronous_standby_names = ''\n")
    if os.geteuid() == 0:
        shutil.chown(data / "postgresql.auto.conf", "postgres")


def psql(state, sql, part="dbname", database=DATABASE):
    """One statement through `part` (the database's name by default); its output."""
    env = dict(os.environ, PGPASSWORD=state["password"])
    return subprocess.run(["psql", url(state, part, database), "-tAXqc", sql],
                          capture_output=True, text=True, env=env, check=True).stdout.strip()


# --- the other parts -----------------------------------------------------------------------

def spawn(name, args, env=None, cwd=None):
    log = open(HOME / f"{name}.log", "ab")
    process = subprocess.Popen(args, stdout=log, stderr=log, env=env, cwd=cwd,
                               start_new_session=True)
    return process.pid


def dbname_config(state):
    ports = state["ports"]
    primary = state["primary"]
    lines = [
        "global",
        f"    stats socket {HOME}/dbname.sock mode 600 level admin",
        "defaults",
        "    mode tcp",
        "    timeout connect 2s",
        "    timeout client 1h",
        "    timeout server 1h",
        "listen dbname",
        f"    bind 127.0.0.1:{ports['dbname']}",
    ]
    for node in ("writer", "standby"):
        enabled = "" if node == primary else " disabled"
        lines.append(f"    server {node} 127.0.0.1:{ports[node]} check inter 1s{enabled}")
    return "\n".join(lines) + "\n"


def lb_config(state):
    ports = state["ports"]
    lines = [
        "global",
        f"    stats socket {HOME}/lb.sock mode 600 level admin",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        # Below the servers' keep-alive timeout (75 s), as the ALB's 60 s is.
        "    timeout client 60s",
        "    timeout http-keep-alive 60s",
        "    timeout server 30s",
        # A request whose connection could not be made is sent to another
        # instance (the request never reached the first).
        "    retries 2",
        "    retry-on conn-failure empty-response",
        "    option redispatch",
        "frontend web",
        f"    bind 127.0.0.1:{ports['lb']}",
        "    default_backend app",
        "backend app",
        "    option httpchk",
        "    http-check send meth GET uri /readyz",
        "    http-check expect status 200",
        f"    default-server inter {CHECK['inter']} fall {CHECK['fall']} rise {CHECK['rise']}",
    ]
    for name in INSTANCES:
        lines.append(f"    server {name} 127.0.0.1:{ports[name]} check")
    return "\n".join(lines) + "\n"


def cdn_config(state):
    ports, root = state["ports"], HOME / "cdn"
    return f"""worker_processes 1;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/client;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    proxy_cache_path {root}/cache keys_zone=conduit:16m;
    server {{
        listen 127.0.0.1:{ports['cdn']};
        location / {{
            proxy_pass http://127.0.0.1:{ports['lb']};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache conduit;
            proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def pgbouncer_config(state):
    ports = state["ports"]
    return f"""[databases]
{DATABASE} = host=127.0.0.1 port={ports['dbname']} dbname={DATABASE}
{READER} = host=127.0.0.1 port={ports['replica']} dbname={DATABASE}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {ports['pgbouncer']}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {HOME}/pgbouncer/userlist.txt
admin_users = {USER}
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
server_reset_query =
server_check_delay = 1
server_connect_timeout = 2
server_login_retry = 1
# A client waits this long for a server connection (the stack's
# ConnectionBorrowTimeout), through a failover for instance.
query_wait_timeout = 10
ignore_startup_parameters = extra_float_digits
logfile = {HOME}/pgbouncer.log
pidfile = {HOME}/pgbouncer/pgbouncer.pid
"""


def start_pgbouncer(state):
    pidfile = HOME / "pgbouncer" / "pgbouncer.pid"
    if pidfile.exists() and alive(int(pidfile.read_text().strip() or 0)):
        return
    subprocess.run(["pgbouncer", "-d", "-q", str(HOME / "pgbouncer" / "pgbouncer.ini")],
                   check=True, **({"user": "postgres"} if os.geteuid() == 0 else {}))
    wait_port(state["ports"]["pgbouncer"], "pgbouncer")


def stop_pgbouncer():
    pidfile = HOME / "pgbouncer" / "pgbouncer.pid"
    if pidfile.exists():
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not alive(pid):
                    break
                time.sleep(0.05)
        except (ValueError, OSError):
            pass


def instance_env(state, name):
    ports = state["ports"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "SEED_DEMO_DATA": "false",
        "JWT_SECRET": state["jwt_secret"],
        "DATA_DIR": str(HOME / name),
        "DATABASE_URL": url(state, "pgbouncer"),
        "DATABASE_POOLER": "transaction",
        "DATABASE_LISTEN_URL": url(state, "dbname"),
        "DATABASE_READ_URL": url(state, "pgbouncer", READER),
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{ports[name]}",
        "METRICS_ADDR": "127.0.0.1:0",
        "LEPTOS_OUTPUT_NAME": "conduit",
        "LEPTOS_SITE_ROOT": str(ROOT / "target" / "site"),
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_HASH_FILES": "true",
        "LEPTOS_ENV": "PROD",
        "LOG_FORMAT": "json",
        "RUST_LOG": "info,sqlx=warn,tower_http=warn",
        **state.get("app_env", {}),
    }
    # A setting given as None is left unset.
    env = {key: value for key, value in env.items() if value is not None}
    return env


def start_instance(state, name):
    pid = state["pids"].get(name)
    if alive(pid):
        return pid
    (HOME / name).mkdir(parents=True, exist_ok=True)
    pid = spawn(name, [str(SERVER)], env=instance_env(state, name), cwd=ROOT)
    state["pids"][name] = pid
    save(state)
    return pid


def stop_instance(state, name):
    """SIGTERM, as an orchestrator stops a task; waits for it to exit."""
    pid = state["pids"].get(name)
    if alive(pid):
        os.killpg(pid, signal.SIGTERM)
        for _ in range(600):
            if not alive(pid):
                break
            time.sleep(0.05)


def wait_ready(state, names, limit=60):
    deadline = time.monotonic() + limit
    while not all(ready(state["ports"][n]) for n in names):
        if time.monotonic() > deadline:
            sys.exit(f"topology: the instances did not become ready; see {HOME}/app*.log")
        time.sleep(0.2)


def haproxy_start(state, name, config):
    path = HOME / f"{name}.cfg"
    path.write_text(config)
    pid = state["pids"].get(name)
    if alive(pid):
        return
    state["pids"][name] = spawn(name, ["haproxy", "-db", "-f", str(path)])
    save(state)
    wait_port(state["ports"][name], name)


def admin(socket_name, command):
    """A command for a HAProxy's runtime API (its stats socket)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(HOME / socket_name))
        sock.sendall(command.encode() + b"\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer.decode()


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


# --- the commands ----------------------------------------------------------------------------

def up(app_env=None):
    if not SERVER.exists():
        sys.exit("topology: target/release/server is missing; run `make build` first")
    state = load()
    if not state:
        names = ("writer", "standby", "replica", "dbname", "pgbouncer", *INSTANCES, "lb", "cdn")
        ports = {}
        for name in names:
            port = free_port()
            while port in ports.values():
                port = free_port()
            ports[name] = port
        state = {"ports": ports, "pids": {}, "password": secrets.token_hex(16),
                 "jwt_secret": secrets.token_hex(32), "primary": "writer",
                 "follow": {"standby": "writer", "replica": "dbname"}}
        HOME.mkdir(parents=True, exist_ok=True)
        save(state)
    state["app_env"] = app_env or state.get("app_env", {})
    save(state)
    if not pg_dir("writer").exists():
        init_writer(state)
    pg_start("writer", state)
    exists = psql(state, f"select 1 from pg_database where datname = '{DATABASE}'",
                  "writer", "postgres")
    if exists != "1":
        psql(state, f"create database {DATABASE}", "writer", "postgres")
    haproxy_start(state, "dbname", dbname_config(state))
    for name, application in (("standby", "standby"), ("replica", "replica")):
        if not pg_dir(name).exists():
            base_backup(name, state, application)
        pg_start(name, state)
    # Every commit waits for the standby from now on (set once it streams:
    # before, a commit would wait for a standby that is not there).
    if state["primary"] == "writer":
        psql(state, "alter system set synchronous_standby_names = 'standby'",
             "writer", "postgres")
        psql(state, "select pg_reload_conf()", "writer", "postgres")
    (HOME / "pgbouncer").mkdir(exist_ok=True)
    (HOME / "pgbouncer" / "pgbouncer.ini").write_text(pgbouncer_config(state))
    (HOME / "pgbouncer" / "userlist.txt").write_text(f'"{USER}" "{state["password"]}"\n')
    if os.geteuid() == 0:
        for path in (HOME / "pgbouncer", HOME / "pgbouncer" / "pgbouncer.ini",
                     HOME / "pgbouncer" / "userlist.txt"):
            shutil.chown(path, "postgres")
        (HOME / "pgbouncer.log").touch()
        shutil.chown(HOME / "pgbouncer.log", "postgres")
    start_pgbouncer(state)
    for name in INSTANCES:
        start_instance(state, name)
    wait_ready(state, INSTANCES)
    haproxy_start(state, "lb", lb_config(state))
    cdn = HOME / "cdn"
    cdn.mkdir(exist_ok=True)
    os.chmod(cdn, 0o777)  # nginx's workers drop to an unprivileged user
    (cdn / "nginx.conf").write_text(cdn_config(state))
    if not alive(state["pids"].get("cdn")):
        state["pids"]["cdn"] = spawn("cdn", ["nginx", "-p", str(cdn), "-c", str(cdn / "nginx.conf"),
                                             "-g", "daemon off;"])
        save(state)
        wait_port(state["ports"]["cdn"], "nginx")
    print(f"balancer (the ALB): http://127.0.0.1:{state['ports']['lb']}")
    print(f"CDN (CloudFront):   http://127.0.0.1:{state['ports']['cdn']}")
    return state


def status():
    state = load()
    if not state:
        print("topology: not started (scripts/topology.py up)")
        return 1
    for name in ("writer", "standby", "replica"):
        print(f"{name:10} {'running' if pg_running(name) else 'stopped':8} 127.0.0.1:{state['ports'][name]}")
    pidfile = HOME / "pgbouncer" / "pgbouncer.pid"
    bouncer = pidfile.exists() and alive(int(pidfile.read_text().strip() or 0))
    print(f"{'pgbouncer':10} {'running' if bouncer else 'stopped':8} 127.0.0.1:{state['ports']['pgbouncer']}")
    for name in ("dbname", *INSTANCES, "lb", "cdn"):
        running = alive(state["pids"].get(name))
        print(f"{name:10} {'running' if running else 'stopped':8} 127.0.0.1:{state['ports'][name]}")
    print(f"primary behind the database's name: {state['primary']}")
    return 0


def down(quiet=False):
    state = load()
    for name in ("cdn", "lb", *INSTANCES, "dbname"):
        pid = state.get("pids", {}).get(name)
        if alive(pid):
            os.killpg(pid, signal.SIGTERM)
    for name in ("cdn", "lb", *INSTANCES, "dbname"):
        pid = state.get("pids", {}).get(name)
        for _ in range(100):
            if not alive(pid):
                break
            time.sleep(0.05)
    stop_pgbouncer()
    for name in ("replica", "standby", "writer"):
        if pg_dir(name).exists():
            pg_stop(name, "immediate")
    if HOME.exists():
        shutil.rmtree(HOME)
    if not quiet:
        print("topology: stopped, and its state removed")


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["up"]:
            up()
        case ["status"]:
            sys.exit(status())
        case ["down"]:
            down()
        case _:
            sys.exit(__doc__)
