#!/usr/bin/env bash
# Installs what building, running and testing Conduit needs, and nothing that
# is already there. Safe to run again: a second run only checks.
#
# From crates.io: cargo-leptos, wasm-bindgen-cli (at the Cargo.lock version).
# From npm:       wasm-opt (package binaryen), Playwright (end2end/package-lock.json).
# From PyPI:      schemathesis (API fuzzing), into the project venv .tools/venv;
#                 cfn-lint and checkov (infra/requirements-lint.lock) into .tools/infra-venv.
# From Debian:    PostgreSQL; Chromium and nginx (the caching proxy) for the
#                 tests; HAProxy and PgBouncer for the topology (make topology,
#                 its tests and benchmark); podman, runc and mmdebstrap for the
#                 image; wrk for the benchmarks, the soak and the request mix's check;
#                 Prometheus and promtool for the tests of the metrics and the alert rules.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132.0.0
SCHEMATHESIS_VERSION=4.32.5
tools="$root/.tools"

say() { printf '==> %s\n' "$*"; }

# Debian packages need root; use sudo when we are not root.
apt_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing Debian packages: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_debian() {
    local missing=()
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
    command -v psql >/dev/null || missing+=(postgresql-client)
    if [ "${1:-}" = test ]; then
        [ -x /usr/bin/chromium ] || missing+=(chromium)
        [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    fi
    if [ "${1:-}" = test ] || [ "${1:-}" = bench ] || [ "${1:-}" = topology ]; then
        command -v haproxy >/dev/null || missing+=(haproxy)
        command -v pgbouncer >/dev/null || missing+=(pgbouncer)
        [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    fi
    if [ "${1:-}" = test ]; then
        command -v curl >/dev/null || missing+=(curl)
        command -v wrk >/dev/null || missing+=(wrk)
        command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
        python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
    fi
    if [ "${1:-}" = bench ]; then
        command -v wrk >/dev/null || missing+=(wrk)
        command -v curl >/dev/null || missing+=(curl)
        command -v brotli >/dev/null || missing+=(brotli)
        [ -x /usr/bin/chromium ] || missing+=(chromium)
        [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    fi
    command -v npm >/dev/null || missing+=(nodejs npm)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
    # The tests start their own Prometheus; the service the package enables
    # would listen on port 9090 for nothing.
    if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null \
        && systemctl is-enabled --quiet prometheus 2>/dev/null; then
        say "disabling the prometheus service the package started (the tests run their own)"
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
}

need_rust_target() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || { say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
}

need_cargo_leptos() {
    if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
        say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 25 minutes on 2 cores, once)"
        cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
    fi
}

# cargo-leptos would download wasm-bindgen from GitHub; it must match the
# wasm-bindgen crate in Cargo.lock exactly.
need_wasm_bindgen() {
    local version
    version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $version\$"; then
        say "installing wasm-bindgen-cli $version (about 6 minutes, once)"
        # Not --locked: its lockfile pins a crate version that crates.io no longer serves.
        cargo install wasm-bindgen-cli --version "$version" --force
    fi
}

# Debian's binaryen is too old (its wasm-opt output breaks hydration).
need_wasm_opt() {
    if ! "$tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "${BINARYEN_VERSION%%.*}"; then
        say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
        npm install --silent --no-audit --no-fund --prefix "$tools" "binaryen@$BINARYEN_VERSION"
    fi
}

need_playwright() {
    if [ ! -d end2end/node_modules/@playwright/test ] \
        || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
        say "installing Playwright (the browser is Debian's Chromium, not a download)"
        (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
    fi
}

# schemathesis for the API fuzzing, pinned, in a venv of the project's own.
need_schemathesis() {
    if ! "$tools/venv/bin/schemathesis" --version 2>/dev/null | grep -q " $SCHEMATHESIS_VERSION\$"; then
        say "installing schemathesis $SCHEMATHESIS_VERSION (PyPI, into .tools/venv)"
        python3 -m venv "$tools/venv"
        "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    fi
}

# cfn-lint and checkov for infra/, every dependency pinned, in a venv apart
# from schemathesis (checkov pins many packages of its own).
need_infra_lint() {
    local lock="infra/requirements-lint.lock" venv="$tools/infra-venv"
    if [ ! -x "$venv/bin/checkov" ] || [ "$lock" -nt "$venv/.installed" ]; then
        say "installing cfn-lint and checkov (PyPI, $lock, into .tools/infra-venv)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$lock"
        touch "$venv/.installed"
    fi
}

# podman (buildah inside), runc and mmdebstrap for the container image and its test.
need_containers() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}" uidmap fuse-overlayfs
}

case "${1:-run}" in
    run)
        need_debian
        need_rust_target
        need_cargo_leptos
        need_wasm_bindgen
        need_wasm_opt
        ;;
    test)
        need_debian test
        need_rust_target
        need_cargo_leptos
        need_wasm_bindgen
        need_wasm_opt
        need_playwright
        need_schemathesis
        need_infra_lint
        need_containers
        ;;
    spa)
        # The SPA alone (`make spa`, Amplify's build image): no Debian packages.
        need_rust_target
        need_wasm_bindgen
        need_wasm_opt
        ;;
    bench)
        need_debian bench
        need_rust_target
        need_cargo_leptos
        need_wasm_bindgen
        need_wasm_opt
        need_playwright
        ;;
    topology)
        need_debian topology
        need_rust_target
        need_cargo_leptos
        need_wasm_bindgen
        need_wasm_opt
        ;;
    image)
        need_containers
        ;;
    *) echo "usage: $0 run|test|bench|spa|image|topology" >&2; exit 2 ;;
esac
