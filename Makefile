# Conduit: `make run` serves the app, `make test` runs every test.
# Both install what is missing first (scripts/ensure-tools.sh) and are fast the second time.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# How the server finds its assets; the same variables configure the container image.
export LEPTOS_OUTPUT_NAME := conduit
export LEPTOS_SITE_ROOT := target/site
export LEPTOS_SITE_PKG_DIR := pkg
export LEPTOS_HASH_FILES := true
export LEPTOS_ENV := PROD

SERVER := target/release/server
E2E_ADDR := 127.0.0.1:3100
E2E_SPA_ADDR := 127.0.0.1:3102
E2E_METRICS_ADDR := 127.0.0.1:3103
# DATABASE_URL from the environment wins; otherwise the private cluster's.
DB_URL = $${DATABASE_URL:-$$(scripts/pg.sh start >&2 && scripts/pg.sh url)}

section = @printf '\n\033[1m=== %s ===\033[0m\n' "$(1)"

.PHONY: run test bench soak spa image image-test deps deps-test deps-bench deps-image deps-topology db stop build e2e api-fuzz sqlx-prepare clean-data topology topology-status topology-down topology-test chaos bench-topology bench-writes seed-large bench-mix explain capacity bench-compare

## run: install what is missing, start the database, build, serve on http://127.0.0.1:3000
run: deps build
	@url="$(DB_URL)"; \
	echo "Serving Conduit on http://$${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (Ctrl-C stops it)"; \
	APP_ENV="$${APP_ENV:-development}" DATABASE_URL="$$url" exec $(SERVER)

## test: format, lints, Rust tests and the Playwright suite
test: deps-test
	$(call section,format)
	cargo fmt --all -- --check
	$(call section,clippy: ssr)
	cargo clippy -p app -p server --all-targets -- -D warnings
	$(call section,clippy: hydrate)
	cargo clippy -p app -p frontend --all-targets --target wasm32-unknown-unknown -- -D warnings
	$(call section,clippy: csr (the SPA))
	cargo clippy -p frontend --no-default-features --features csr --target wasm32-unknown-unknown -- -D warnings
	$(call section,SPA hosting rules)
	python3 scripts/spa-hosting.py check
	$(call section,dependencies run one way)
	python3 scripts/layers.py
	$(call section,rust tests)
	@DATABASE_URL="$(DB_URL)" cargo test -p app -p server
	$(call section,release build)
	$(MAKE) --no-print-directory build
	$(call section,the large-data seeder and the request mix at a tiny size)
	python3 scripts/seed-large.py --users 2000 --fresh --check
	BENCH_DURATION=3s BENCH_WARMUP=1s BENCH_READERS=20 python3 scripts/bench-mix.py --users 2000 --check
	$(call section,deploy scripts (dry runs: the asset upload and the SPA's deployment of docs/deploy.md))
	scripts/push-assets.sh --bucket conduit-assets --dry-run | tee /dev/stderr | grep -c '^aws s3 cp ' | grep -qx 3
	scripts/deploy-spa.sh --stack conduit-prod --dry-run --app-id d1 --branch main \
	  --api-base https://conduit.example.com/api --repository none 2>&1 | tee /dev/stderr \
	  | grep -c -e '^API_BASE=https://conduit.example.com/api SPA_DEBUG_HOOK=0 make spa$$' \
	    -e '^aws amplify create-deployment --app-id d1 --branch-name main ' \
	    -e '^aws amplify start-deployment --app-id d1 --branch-name main --job-id ' | grep -qx 3
	scripts/deploy-spa.sh --stack conduit-prod --dry-run --app-id d1 --branch main \
	  --api-base https://conduit.example.com/api --repository https://github.com/example/conduit 2>&1 \
	  | tee /dev/stderr | grep -c '^aws amplify start-job --app-id d1 --branch-name main --job-type RELEASE ' | grep -qx 1
	$(call section,infrastructure lint (cfn-lint and checkov))
	infra/lint.sh
	$(call section,container image)
	$(MAKE) --no-print-directory image-test
	$(call section,API fuzzing (schemathesis))
	$(MAKE) --no-print-directory api-fuzz
	$(call section,end-to-end tests)
	$(MAKE) --no-print-directory e2e
	$(call section,the topology: replicas, pooler, failover (scripts/chaos.py))
	$(MAKE) --no-print-directory topology-test

## bench: seed 10K users / 100K articles (once), measure with wrk, write docs/benchmarks.md
bench: deps-bench build
	scripts/bench.sh

## bench-compare: BEFORE=path/to/server (another release build): requests/s and CPU of / (anonymous, signed in) against this build, taking turns; BENCH_CACHE=off: the database path
bench-compare: deps-bench build
	python3 scripts/bench-compare.py --before $(BEFORE)

## bench-topology: the bench data through HAProxy: 1 vs 3 instances, with and without PgBouncer and the replica
bench-topology: deps-bench deps-topology build
	python3 scripts/bench-topology.py

## seed-large: USERS (default 10,000,000) users and their articles, favorites, follows and comments, in conduit_large_USERS; resumable
USERS ?= 10000000
seed-large: deps build
	python3 scripts/seed-large.py --users $(USERS)

## bench-mix: a realistic request mix (wrk, scripts/bench/mix.lua) on the data set seed-large USERS made; INSTANCES=3: 1 instance against 3
bench-mix: deps-bench build
	python3 scripts/bench-mix.py --users $(USERS) $(if $(INSTANCES),--instances $(INSTANCES))

## explain: EXPLAIN (ANALYZE, BUFFERS) of every query the app makes, on the data set seed-large USERS made, into docs/queries.md (10M) or docs/queries-USERS.md
explain: deps
	python3 scripts/explain.py --users $(USERS)

## capacity: docs/capacity.md, tasks, database and CDN for 10M users and their monthly cost, from bench-mix's figures
capacity:
	python3 scripts/capacity.py

## bench-writes: 50 concurrent writers publishing articles, totals in one row vs in counter shards (pgbench)
bench-writes: deps
	python3 scripts/bench-writes.py

## soak: 60 s of abuse and a database outage against one instance, write docs/resilience.md
soak: deps-bench build
	python3 scripts/soak.py

## image: the server's container image (podman) from the release build; prints its size
image: deps-image build
	scripts/image.sh

## image-test: run the image read-only against a fresh database: journey, health check, SIGTERM
image-test: image
	@url="$(DB_URL)"; python3 scripts/image-test.py "$${url%/*}"

## api-fuzz: schemathesis over docs/realworld/openapi.yml against the release build
api-fuzz: deps-test build
	@url="$(DB_URL)"; scripts/api-fuzz.sh "$${url%/*}"

## topology: writer, synchronous standby, read replica, PgBouncer, three servers, HAProxy, nginx; prints the URLs
topology: deps-topology build
	python3 scripts/topology.py up

## topology-status: which parts of the topology run, and where
topology-status:
	@python3 scripts/topology.py status

## topology-down: stop what `make topology` started, and forget its data
topology-down:
	@python3 scripts/topology.py down

# A fresh topology of the tests' own, its checks and its faults, and nothing left running.
topology-test chaos: export TOPOLOGY_DIR := $(CURDIR)/.data/topology-test
topology-test: deps-topology build
	python3 scripts/topology.py down >/dev/null
	python3 scripts/topology.py up
	status=0; python3 scripts/chaos.py all || status=$$?; python3 scripts/topology.py down; exit $$status

## chaos: kill parts of a fresh topology under load, one at a time; one line per fault
chaos: deps-topology build
	python3 scripts/topology.py down >/dev/null
	python3 scripts/topology.py up
	status=0; python3 scripts/chaos.py faults || status=$$?; python3 scripts/topology.py down; exit $$status

deps:
	@scripts/ensure-tools.sh run

deps-topology:
	@scripts/ensure-tools.sh topology

deps-test:
	@scripts/ensure-tools.sh test

deps-bench:
	@scripts/ensure-tools.sh bench

deps-spa:
	@scripts/ensure-tools.sh spa

deps-image:
	@scripts/ensure-tools.sh image

## db: start the private PostgreSQL cluster (when DATABASE_URL is not set)
db:
	@[ -n "$${DATABASE_URL:-}" ] || scripts/pg.sh start

## stop: stop the private PostgreSQL cluster (data is kept in .data/)
stop:
	@scripts/pg.sh stop

# cargo-leptos re-runs wasm-bindgen and wasm-opt (~25 s) even when nothing
# changed, so the build is skipped while its stamp is newer than every input.
BUILD_INPUTS := Cargo.toml Cargo.lock app/Cargo.toml frontend/Cargo.toml server/Cargo.toml .cargo/config.toml $(shell find app/src frontend/src server/src style public migrations .sqlx -type f 2>/dev/null)
BUILD_STAMP := target/release/.conduit-built

build: $(BUILD_STAMP)

$(BUILD_STAMP): $(BUILD_INPUTS)
	cargo leptos build --release
	node scripts/precompress.mjs $(LEPTOS_SITE_ROOT)
	@touch $@

## spa: the client-side build into target/spa (API_BASE: the API it calls)
spa: deps-spa
	scripts/spa.sh

# The SPA the end-to-end tests drive, built against their server's API.
E2E_SPA := target/spa-e2e
$(E2E_SPA)/.built: $(BUILD_INPUTS) frontend/index.html scripts/spa.sh
	API_BASE=http://$(E2E_ADDR)/api VITALS_SAMPLE_RATE=1 SPA_OUT=$(E2E_SPA) scripts/spa.sh
	@touch $@

## e2e: Playwright against the release build and the SPA, on a fresh database
e2e: deps-test $(E2E_SPA)/.built
	@# Fixed ports (the e2e SPA is built against this API's address): fail at once, naming who holds one.
	@python3 scripts/ports.py --check $(lastword $(subst :, ,$(E2E_ADDR)))
	@python3 scripts/ports.py --check $(lastword $(subst :, ,$(E2E_SPA_ADDR)))
	@python3 scripts/ports.py --check $(lastword $(subst :, ,$(E2E_METRICS_ADDR)))
	@url="$(DB_URL)"; base="$${url%/*}"; \
	psql "$$base/postgres" -qc "drop database if exists conduit_e2e with (force)" -c "create database conduit_e2e"; \
	cd end2end && E2E_DATABASE_URL="$$base/conduit_e2e" E2E_ADDR=$(E2E_ADDR) E2E_SPA_ADDR=$(E2E_SPA_ADDR) E2E_METRICS_ADDR=$(E2E_METRICS_ADDR) E2E_SPA_DIR=$(CURDIR)/$(E2E_SPA) \
	  SERVER_BIN=$(CURDIR)/$(SERVER) npx playwright test $(ARGS)

## sqlx-prepare: refresh .sqlx/ after changing a query or a migration
sqlx-prepare:
	@url="$(DB_URL)"; base="$${url%/*}"; \
	psql "$$base/postgres" -qc "drop database if exists conduit_prepare with (force)" -c "create database conduit_prepare"; \
	for f in migrations/*.sql; do psql -v ON_ERROR_STOP=1 -q "$$base/conduit_prepare" -f "$$f"; done; \
	rm -rf .sqlx && mkdir .sqlx && touch app/src/lib.rs; \
	SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$(CURDIR)/.sqlx DATABASE_URL="$$base/conduit_prepare" \
	  cargo check -p app --features ssr --tests

## clean-data: stop the cluster and delete its data
clean-data: stop
	rm -rf .data
