#!/usr/bin/env bash
# `make bench`: seeds a realistic data set into its own database (once), then
# measures requests/s and latency with wrk against the release server, with
# the cache on and off, next to a static file of the same size served by the
# same server. Writes the table to docs/benchmarks.md.
#
# BENCH_DURATION (default 10s) per run, BENCH_CONNECTIONS (default "50 200"),
# BENCH_PORT (default 3200). Expects the variables the Makefile exports.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

duration="${BENCH_DURATION:-10s}"
connections="${BENCH_CONNECTIONS:-50 200}"
addr="127.0.0.1:${BENCH_PORT:-3200}"
server_bin=target/release/server
report=docs/benchmarks.md
results="$(mktemp)"
server_pid=""

say() { printf '==> %s\n' "$*" >&2; }

cleanup() {
    [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    rm -f "$results"
}
trap cleanup EXIT

if [ -n "${DATABASE_URL:-}" ]; then
    base="${DATABASE_URL%/*}"
else
    scripts/pg.sh start >&2
    url="$(scripts/pg.sh url)"
    base="${url%/*}"
fi
db="$base/conduit_bench"
psql "$base/postgres" -qtAc "select 1 from pg_database where datname = 'conduit_bench'" | grep -q 1 \
    || psql "$base/postgres" -qc "create database conduit_bench"

start_server() {
    local cache="$1"
    CACHE_ENABLED="$cache" DATABASE_URL="$db" LEPTOS_SITE_ADDR="$addr" SEED_DEMO_DATA=false \
        RUST_LOG=warn "$server_bin" &
    server_pid=$!
    for _ in $(seq 1 300); do
        curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$server_pid" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
        sleep 0.1
    done
    echo "the server did not become ready on $addr" >&2
    exit 1
}

stop_server() {
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

api() { curl -fsS -H 'Content-Type: application/json' "$@"; }

sign_in() {
    api -X POST "http://$addr/api/users/login" \
        -d '{"user":{"email":"bench@example.com","password":"bench-password"}}' \
        | sed -E 's/.*"token":"([^"]+)".*/\1/'
}

start_server true # also applies the migrations

if [ "$(psql "$db" -qtAc "select count(*) from users")" -lt 10000 ]; then
    say "seeding the benchmark database (about a minute, once)"
    api -X POST "http://$addr/api/users" \
        -d '{"user":{"username":"bench","email":"bench@example.com","password":"bench-password"}}' >/dev/null
    hash="$(psql "$db" -qtAc "select password_hash from users where username = 'bench'")"
    psql "$db" -q -v hash="$hash" -f scripts/bench/seed.sql
    # The signed-in reader follows 100 writers, so "Your Feed" has depth.
    psql "$db" -qc "insert into follows (follower_id, followed_id)
                    select (select id from users where username = 'bench'), u.id
                    from users u where u.username like 'writer%' order by u.id limit 100"
    stop_server
    start_server true # a cold cache, and the seeded rows
fi
token="$(sign_in)"
slug="$(api "http://$addr/api/articles?limit=1" | sed -E 's/.*"slug":"([^"]+)".*/\1/')"

# The ceiling: a static file as large as the home page, served by the same server.
mkdir -p target/site/pkg
curl -fsS "http://$addr/" >target/site/pkg/bench-static.html
page_bytes="$(wc -c <target/site/pkg/bench-static.html)"

# One wrk run: prints "req/s|p50|p99|errors".
measure() {
    local conns="$1" path="$2" session="${3:-}"
    local args=(-t2 -c"$conns" -d"$duration" --latency)
    [ -z "$session" ] || args+=(-H "Cookie: conduit_session=$session")
    local out
    out="$(wrk "${args[@]}" "http://$addr$path")"
    local rps p50 p99 errors
    rps="$(awk '/^Requests\/sec/ { printf "%d", $2 }' <<<"$out")"
    p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
    p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
    errors="$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/[^0-9 ]/, " "); n += $1 + $2 + $3 + $4 } END { print n + 0 }' <<<"$out")"
    echo "$rps|$p50|$p99|$errors"
}

# label|path|session
endpoints=(
    "anonymous \`/\`|/|"
    "anonymous article page|/article/$slug|"
    "\`GET /api/articles\`|/api/articles|"
    "signed-in \`/\`|/|$token"
)

run_mode() {
    local cache="$1"
    for endpoint in "${endpoints[@]}"; do
        IFS='|' read -r label path session <<<"$endpoint"
        # Warm up: fills the cache (or the pool and the planner) first.
        wrk -t2 -c50 -d2s ${session:+-H "Cookie: conduit_session=$session"} "http://$addr$path" >/dev/null
        for conns in $connections; do
            say "$label, cache $cache, $conns connections"
            echo "$label|$cache|$conns|$(measure "$conns" "$path" "$session")" >>"$results"
        done
    done
}

run_mode on
say "static file ($page_bytes bytes)"
for conns in $connections; do
    echo "static file, same size|-|$conns|$(measure "$conns" /pkg/bench-static.html)" >>"$results"
done
say "/healthz (the least a request can cost here)"
for conns in $connections; do
    echo "\`/healthz\` (15 bytes, no work)|-|$conns|$(measure "$conns" /healthz)" >>"$results"
done
stop_server
start_server false
token="$(sign_in)"
endpoints[3]="signed-in \`/\`|/|$token"
run_mode off
stop_server

rps_of() { awk -F'|' -v l="$1" -v c="$2" -v n="$3" '$1 == l && $2 == c && $3 == n { print $4 }' "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (scripts/bench.sh); do not edit by hand."
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
    echo "- Everything on that one machine: the release server, PostgreSQL $(psql "$db" -qtAc 'show server_version' | cut -d' ' -f1) and wrk (\`wrk -t2 -c<connections> -d$duration --latency\`), so wrk takes CPU from the server."
    echo "- Data: $(psql "$db" -qtAc "select format('%s users, %s articles, %s tags, %s favorites, %s follows, %s comments',
        (select count(*) from users), (select count(*) from articles), (select count(*) from tags),
        (select count(*) from favorites), (select count(*) from follows), (select count(*) from comments))")."
    echo "- Cache on: the defaults (moka data tiers + the anonymous response tier, 128 MiB). Cache off: \`CACHE_ENABLED=false\`."
    echo "- The static file is the home page's HTML ($page_bytes bytes) under \`/pkg\`, served by the same server from disk (tower-http \`ServeDir\`: open, stat and read per request; on this VM that path is bound by kernel time). \`/healthz\` answers a constant through the same middleware: the most requests/s this server can answer at all."
    echo
    echo "| Endpoint | Cache | Connections | Requests/s | p50 | p99 | Errors |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$results"
    echo
    echo "Anonymous \`/\`, ratios of requests/s:"
    echo
    for conns in $connections; do
        on="$(rps_of 'anonymous `/`' on "$conns")"
        off="$(rps_of 'anonymous `/`' off "$conns")"
        static="$(rps_of 'static file, same size' - "$conns")"
        floor="$(rps_of '`/healthz` (15 bytes, no work)' - "$conns")"
        echo "- $conns connections: cache on / static file = $(ratio "$on" "$static") (target ≥ 0.5); cache on / cache off = $(ratio "$on" "$off") (target ≥ 5); cache on / \`/healthz\` = $(ratio "$on" "$floor")"
    done
} >"$report"
say "wrote $report"
cat "$report"
