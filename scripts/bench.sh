#!/usr/bin/env bash
# `make bench`: seeds a realistic data set into its own database (once), then
# measures requests/s and latency (wrk) and the CPU each request costs the
# server and PostgreSQL, against the release server with the cache on and
# off, anonymous and signed in, next to the ceiling: a minimal axum server
# answering the home page's bytes from memory (server/examples/ceiling.rs).
# Writes the tables to docs/benchmarks.md.
#
# BENCH_DURATION (default 10s) per run, BENCH_CONNECTIONS (default "50 200"),
# BENCH_PORT (the server's; the ceiling and the SPA host take the next two;
# default: free ports). Expects the variables the Makefile exports.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

duration="${BENCH_DURATION:-10s}"
connections="${BENCH_CONNECTIONS:-50 200}"
# Ports that are free (or the given ones, which must be): what answers there
# is what this script started.
port="${BENCH_PORT:-$(python3 scripts/ports.py)}"
ceiling_port="$([ -n "${BENCH_PORT:-}" ] && echo $((BENCH_PORT + 1)) || python3 scripts/ports.py)"
spa_port="$([ -n "${BENCH_PORT:-}" ] && echo $((BENCH_PORT + 2)) || python3 scripts/ports.py)"
for p in "$port" "$ceiling_port" "$spa_port"; do python3 scripts/ports.py --check "$p"; done
addr="127.0.0.1:$port"
server_bin=target/release/server
ceiling_bin=target/release/examples/ceiling
ceiling_addr="127.0.0.1:$ceiling_port"
report=docs/benchmarks.md
results="$(mktemp)"
server_pid=""
ceiling_pid=""
spa_pid=""
tti="$(mktemp)"

say() { printf '==> %s\n' "$*" >&2; }

cleanup() {
    for pid in $server_pid $ceiling_pid $spa_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -f "$results" "$tti" "${page:-}"
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
    APP_ENV=development CACHE_ENABLED="$cache" DATABASE_URL="$db" LEPTOS_SITE_ADDR="$addr" SEED_DEMO_DATA=false \
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
# Readers' timelines are built by the server in the background after a
# bulk load (app::backend::timelines::backfill): measure once they are.
until [ "$(psql "$db" -qtAc "select done and not exists (select 1 from timeline_jobs)
                             from timeline_backfill")" = t ]; do
    say "waiting for readers' timelines: $(psql "$db" -qtAc "select format('%s rows so far', count(*)) from timelines")"
    sleep 5
done
token="$(sign_in)"
slug="$(api "http://$addr/api/articles?limit=1" | sed -E 's/.*"slug":"([^"]+)".*/\1/')"
writer="$(api "http://$addr/api/articles?limit=1" | sed -E 's/.*"username":"([^"]+)".*/\1/')"

# The ceiling: the home page's bytes from memory, in a minimal axum server.
say "building the ceiling server"
cargo build --release --quiet -p server --example ceiling
page="$(mktemp)"
curl -fsS "http://$addr/" >"$page"
page_bytes="$(wc -c <"$page")"

# CPU time (user + system, in clock ticks) a set of processes has used so far.
ticks_of() {
    local total=0 pid
    for pid in "$@"; do
        total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
    done
    echo "$total"
}
hz="$(getconf CLK_TCK)"
# The PostgreSQL processes on this machine (none when DATABASE_URL points elsewhere).
postgres_pids() { pgrep -x postgres || true; }
# Milliseconds of CPU per request: ticks used over requests served.
per_request() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "n/a" }'; }

# One wrk run against a URL served by process `pid`: prints
# "req/s|p50|p99|errors|server CPU ms per request|PostgreSQL CPU ms per request".
measure() {
    local pid="$1" conns="$2" url="$3" session="${4:-}"
    local args=(-t2 -c"$conns" -d"$duration" --latency)
    [ -z "$session" ] || args+=(-H "Cookie: conduit_session=$session")
    local out server_before postgres_before
    server_before="$(ticks_of "$pid")"
    postgres_before="$(ticks_of $(postgres_pids))"
    out="$(wrk "${args[@]}" "$url")"
    local server_ticks postgres_ticks
    server_ticks=$(( $(ticks_of "$pid") - server_before ))
    postgres_ticks=$(( $(ticks_of $(postgres_pids)) - postgres_before ))
    local rps p50 p99 errors requests
    rps="$(awk '/^Requests\/sec/ { printf "%d", $2 }' <<<"$out")"
    p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
    p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
    errors="$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/[^0-9 ]/, " "); n += $1 + $2 + $3 + $4 } END { print n + 0 }' <<<"$out")"
    requests="$(awk '/ requests in / { print $1 }' <<<"$out")"
    echo "$rps|$p50|$p99|$errors|$(per_request "$server_ticks" "$requests")|$(per_request "$postgres_ticks" "$requests")"
}

# label|path|signed in
endpoints=(
    "anonymous \`/\`|/|"
    "anonymous article page|/article/$slug|"
    "\`GET /api/articles\`|/api/articles|"
    "signed-in \`/\`|/|yes"
    "signed-in \`/?feed=following\`|/?feed=following|yes"
    "signed-in article page|/article/$slug|yes"
    "signed-in profile page|/profile/$writer|yes"
)

run_mode() {
    local cache="$1"
    for endpoint in "${endpoints[@]}"; do
        IFS='|' read -r label path signed <<<"$endpoint"
        session=""
        [ -z "$signed" ] || session="$token"
        # Warm up: fills the cache (or the pool and the planner) first.
        wrk -t2 -c50 -d2s ${session:+-H "Cookie: conduit_session=$session"} "http://$addr$path" >/dev/null
        for conns in $connections; do
            say "$label, cache $cache, $conns connections"
            echo "$label|$cache|$conns|$(measure "$server_pid" "$conns" "http://$addr$path" "$session")" >>"$results"
        done
    done
}

run_mode on

# The bundles and time to interactive: the server-rendered build (its
# islands) served by this server, and the SPA (built against this server's
# API) served by nginx under the hosting rules, each loaded cold in Chromium.
say "building the SPA against this server's API"
API_BASE="http://$addr/api" SPA_OUT=target/spa-bench scripts/spa.sh >&2
end2end/serve-spa.sh "$spa_port" target/spa-bench &
spa_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$spa_port/index.html" >/dev/null 2>&1 && break; sleep 0.05; done
say "time to interactive (${RUNS:-20} cold loads each)"
node scripts/tti.mjs "http://$addr/" "http://$addr/article/$slug" \
    "http://127.0.0.1:$spa_port/" "http://127.0.0.1:$spa_port/article/$slug" >"$tti"
kill "$spa_pid"; wait "$spa_pid" 2>/dev/null || true
spa_pid=""
brotli_size() { brotli -q 11 -c "$1" | wc -c; }
hydrate_wasm="$(ls target/site/pkg/*.wasm)"
spa_wasm="$(ls target/spa-bench/pkg/*.wasm)"

say "/healthz (the least a request can cost here)"
for conns in $connections; do
    echo "\`/healthz\` (15 bytes, no work)|-|$conns|$(measure "$server_pid" "$conns" "http://$addr/healthz")" >>"$results"
done
stop_server
start_server false
token="$(sign_in)"
run_mode off
stop_server

say "ceiling: the home page ($page_bytes bytes) from memory, minimal axum"
"$ceiling_bin" "$ceiling_addr" "$page" &
ceiling_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://$ceiling_addr/" >/dev/null 2>&1 && break; sleep 0.05; done
wrk -t2 -c50 -d2s "http://$ceiling_addr/" >/dev/null
for conns in $connections; do
    echo "ceiling (same bytes from memory)|-|$conns|$(measure "$ceiling_pid" "$conns" "http://$ceiling_addr/")" >>"$results"
done
kill "$ceiling_pid"; wait "$ceiling_pid" 2>/dev/null || true
ceiling_pid=""
rm -f "$page"

rps_of() { awk -F'|' -v l="$1" -v c="$2" -v n="$3" '$1 == l && $2 == c && $3 == n { print $4 }' "$results"; }
# Two decimals, three below 0.1 (the uncached rows would all read 0.01).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else if (a / b < 0.1) printf "%.3f", a / b; else printf "%.2f", a / b }'; }

# The other benchmarks' sections of the report are their own (scripts/report.py): kept as they are.
other_sections="$(sed -n '/^<!-- make [a-z0-9-]*: begin -->$/,/^<!-- make [a-z0-9-]*: end -->$/p' "$report" 2>/dev/null || true)"
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
    echo "- Cache on: the defaults (moka data tiers, the anonymous response tier and the reader tier, 128 MiB). Cache off: \`CACHE_ENABLED=false\`."
    echo "- Signed in: the session cookie of a reader who follows 100 writers."
    echo "- The ceiling is the home page's HTML ($page_bytes bytes) answered from memory by a minimal axum server (\`server/examples/ceiling.rs\`): what this machine can serve at all. \`/healthz\` answers a constant through the server's own middleware."
    echo "- CPU per request: the user and system time the server process (for the ceiling, its own process) and all PostgreSQL processes used during the run, over the requests served; what wrk and the rest of the machine use is not in it."
    echo
    echo "| Endpoint | Cache | Connections | Requests/s | p50 | p99 | Errors | Server CPU/request | PostgreSQL CPU/request |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s ms | %s ms |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$results"
    echo
    echo "Requests/s as a share of the ceiling at the same connections:"
    echo
    echo "| Endpoint | Cache |$(for c in $connections; do printf ' c=%s |' "$c"; done)"
    echo "|---|---|$(for _ in $connections; do printf -- '---:|'; done)"
    awk -F'|' '$1 !~ /^ceiling/ { print $1 "|" $2 }' "$results" | awk '!seen[$0]++' | while IFS='|' read -r label cache; do
        row="| $label | $cache |"
        for conns in $connections; do
            row="$row $(ratio "$(rps_of "$label" "$cache" "$conns")" "$(rps_of 'ceiling (same bytes from memory)' - "$conns")") |"
        done
        echo "$row"
    done
    echo
    echo "## Bundle and time to interactive"
    echo
    echo "WASM after wasm-bindgen and \`wasm-opt -Oz\`, compressed with \`brotli -q 11\` (as precompress.mjs writes it). Time to interactive: the median of ${RUNS:-20} cold loads in Chromium on loopback (\`scripts/tti.mjs\`, a new browser context per load), from navigation start to the content on screen and to \`data-hydrated\` (the page's islands, or the whole SPA, are live)."
    echo
    echo "| Build | WASM | WASM, brotli | Page | Content shown | Interactive |"
    echo "|---|---:|---:|---|---:|---:|"
    tti_of() { awk -v u="$1" -v k="$2" 'index($0, "\"url\":\"" u "\"") { match($0, "\"" k "\":[0-9]+"); print substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) }' "$tti"; }
    for build in hydrate spa; do
        if [ "$build" = hydrate ]; then wasm="$hydrate_wasm" base="http://$addr" name="server-rendered, islands"
        else wasm="$spa_wasm" base="http://127.0.0.1:$spa_port" name="SPA (client-side)"; fi
        for page_path in / "/article/$slug"; do
            label="\`$page_path\`"
            [ "$page_path" = / ] || label="an article page"
            echo "| $name | $(( $(stat -c %s "$wasm") / 1024 )) KiB | $(( $(brotli_size "$wasm") / 1024 )) KiB | $label | $(tti_of "$base$page_path" content_ms) ms | $(tti_of "$base$page_path" interactive_ms) ms |"
        done
    done
} >"$report"
[ -z "$other_sections" ] || printf '\n%s\n' "$other_sections" >>"$report"
say "wrote $report"
cat "$report"
