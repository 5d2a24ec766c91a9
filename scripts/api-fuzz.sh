#!/usr/bin/env bash
# Property-based fuzzing of the REST API from its OpenAPI contract
# (docs/realworld/openapi.yml) with schemathesis, against the release server
# on a fresh database: every answer must be below 500 and match the schema.
#
#   scripts/api-fuzz.sh <database-server-url>   e.g. postgres://u:p@127.0.0.1:5455
#
# Needs target/release/server (make build) and the project venv (.tools/venv,
# installed by scripts/ensure-tools.sh test).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
base="${1:?usage: $0 <database-server-url>}"
# A free port (or FUZZ_PORT, which must be free): what answers there is the server started here.
port="${FUZZ_PORT:-$(python3 scripts/ports.py)}"
python3 scripts/ports.py --check "$port"
addr="127.0.0.1:$port"
log="$root/target/api-fuzz.log"

psql "$base/postgres" -qc "drop database if exists conduit_fuzz with (force)" -c "create database conduit_fuzz"

# Development has no rate limits: the fuzzer is one client sending hundreds of writes.
DATABASE_URL="$base/conduit_fuzz" LEPTOS_SITE_ADDR="$addr" METRICS_ADDR=127.0.0.1:0 \
APP_ENV=development SEED_DEMO_DATA=false RUST_LOG=warn \
    target/release/server >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    kill -0 "$server" 2>/dev/null || { echo "api-fuzz: the server exited; $log:" >&2; cat "$log" >&2; exit 1; }
    curl -fs "http://$addr/readyz" >/dev/null && break
    sleep 0.1
done

# A signed-in caller and some data, so that authorised paths get past 401.
token="$(curl -fs "http://$addr/api/users" -H 'Content-Type: application/json' \
    -d '{"user":{"username":"fuzzer","email":"fuzzer@example.com","password":"password123"}}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["token"])')"
curl -fs "http://$addr/api/articles" -H 'Content-Type: application/json' -H "Authorization: Token $token" \
    -d '{"article":{"title":"Fuzzed","description":"d","body":"b","tagList":["fuzz"]}}' >/dev/null

.tools/venv/bin/schemathesis run docs/realworld/openapi.yml \
    --url "http://$addr/api" \
    --header "Authorization: Token $token" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${FUZZ_EXAMPLES:-25}" \
    --seed 20261128 \
    --workers 2 \
    --no-color \
    --warnings off
