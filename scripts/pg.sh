#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, under .data/postgres,
# listening on 127.0.0.1 only, on its own port (never the system cluster's 5432).
#
#   scripts/pg.sh start    initialise on first use, start if stopped, create the database
#   scripts/pg.sh stop     stop the cluster (data is kept)
#   scripts/pg.sh url      print the DATABASE_URL of the development database
#   scripts/pg.sh status   say whether it runs
#
# Environment: CONDUIT_PG_PORT (default: 5455, or the next free port when
# another checkout's cluster holds it at initialisation), CONDUIT_DATA_DIR
# (default .data).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="${CONDUIT_DATA_DIR:-$root/.data}"
cluster="$data_dir/postgres"
# As root the server runs as the postgres user, who must be able to reach the
# cluster directory; a checkout under a private home directory is not
# reachable, so its cluster lives under /var/tmp instead (still one per checkout).
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$data_dir")" 2>/dev/null; then
    cluster="/var/tmp/conduit-pg-$(printf '%s' "$root" | md5sum | cut -c1-12)"
fi
password_file="$data_dir/postgres.password"
# The port chosen at initialisation; clusters made before it existed use 5455.
port_file="$data_dir/postgres.port"
port="${CONDUIT_PG_PORT:-$(cat "$port_file" 2>/dev/null || echo 5455)}"
log_file="$data_dir/postgres.log"
database=conduit
role=conduit

bindir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
    echo "PostgreSQL server binaries not found (run: make deps)" >&2
    exit 1
}

# PostgreSQL refuses to run as root; as root, run it as the postgres user.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

running() {
    [ -f "$cluster/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" -D "$cluster" status >/dev/null 2>&1
}

url() {
    printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$role" "$(cat "$password_file")" "$port" "$database"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

init() {
    [ -f "$cluster/PG_VERSION" ] && return
    mkdir -p "$data_dir"
    if [ -z "${CONDUIT_PG_PORT:-}" ]; then
        while port_in_use "$port"; do port=$((port + 1)); done
    fi
    echo "$port" >"$port_file"
    echo "pg: initialising a private cluster in $cluster (port $port)"
    umask 077
    # A random password for the app's role: the cluster listens on loopback, but
    # other local users must not get in.
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$password_file"
    mkdir -p "$cluster"
    local pwfile="$cluster.pwfile"
    cp "$password_file" "$pwfile"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$cluster" "$pwfile"
        chmod 755 "$data_dir"
    fi
    as_owner "$(bindir)/initdb" -D "$cluster" -U "$role" --pwfile="$pwfile" \
        --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    cat >>"$cluster/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
fsync = on
log_min_duration_statement = 250
CONF
}

start() {
    init
    if ! running; then
        if port_in_use "$port"; then
            echo "pg: port $port is taken (another checkout's cluster? \`make stop\` there, or set CONDUIT_PG_PORT)" >&2
            exit 1
        fi
        touch "$log_file"
        [ "$(id -u)" = 0 ] && chown postgres: "$log_file"
        as_owner "$(bindir)/pg_ctl" -D "$cluster" -l "$log_file" -w -t 30 start >/dev/null \
            || { echo "pg: failed to start; see $log_file" >&2; tail -n 20 "$log_file" >&2; exit 1; }
        echo "pg: started on 127.0.0.1:$port"
    fi
    local dsn
    dsn="$(url)"
    if ! psql "${dsn%/*}/postgres" -tAc "select 1 from pg_database where datname = '$database'" | grep -q 1; then
        psql "${dsn%/*}/postgres" -qc "create database $database" && echo "pg: created database $database"
    fi
}

stop() {
    if running; then
        as_owner "$(bindir)/pg_ctl" -D "$cluster" -m fast -w stop >/dev/null
        echo "pg: stopped"
    else
        echo "pg: not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    status) if running; then echo "pg: running on 127.0.0.1:$port"; else echo "pg: stopped"; fi ;;
    *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
