#!/usr/bin/env bash
# make spa: the client-side build of the app (the same `app` crate with the
# `csr` feature) into target/spa, for any static host (AWS Amplify Hosting):
# index.html, content-hashed JS, WASM and CSS under /pkg, the public files,
# and .br/.gz beside each.
#
#   API_BASE=https://api.example.com/api scripts/spa.sh
#
# API_BASE is the REST API the SPA calls: an absolute URL ending in /api,
# without a trailing slash (default: the local `make run` server); the page
# may connect to that origin and its own, nothing else (a policy in
# index.html). SPA_DEBUG_HOOK=0 leaves out `window.__conduit_debug__` (the
# state SPA.md lets test suites read; Amplify.yml's production build sets
# it). VITALS_SAMPLE_RATE (0.1) is the share of page views that send their
# timings (Web Vitals) to $API_BASE/vitals. Only tools from the registries:
# cargo, wasm-bindgen-cli, binaryen's wasm-opt (npm).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$root/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

API_BASE="${API_BASE:-http://127.0.0.1:3000/api}"
if ! [[ "$API_BASE" =~ ^https?://[^/]+(/.*)?/api$ ]]; then
    echo "API_BASE must be an absolute URL ending in /api (no trailing slash): $API_BASE" >&2
    exit 2
fi
export API_BASE
# The share of page views that send their timings to $API_BASE/vitals.
VITALS_SAMPLE_RATE="${VITALS_SAMPLE_RATE:-0.1}"
if ! [[ "$VITALS_SAMPLE_RATE" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]]; then
    echo "VITALS_SAMPLE_RATE must be a number from 0 to 1: $VITALS_SAMPLE_RATE" >&2
    exit 2
fi
api_origin="$(sed -E 's|^(https?://[^/]+).*|\1|' <<<"$API_BASE")"
features=csr
[ "${SPA_DEBUG_HOOK:-1}" = 0 ] || features=csr,debug-hook

out="${SPA_OUT:-target/spa}"
stage="$out.build"
# Shares cargo-leptos's target directory for the WASM build: one set of wasm32 artifacts.
wasm_target="target/front"

echo "==> building the SPA against $API_BASE into $out"
cargo build --package=frontend --lib --target=wasm32-unknown-unknown --target-dir="$wasm_target" \
    --profile=wasm-release --no-default-features --features="$features"
rm -rf "$stage" "$out"
mkdir -p "$stage" "$out/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name conduit \
    "$wasm_target/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# The same optimisation cargo-leptos gives the hydrating bundle.
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$stage/conduit_bg.wasm" -o "$stage/conduit_bg.wasm"

hashed() { # file extension → pkg/conduit.<hash>.<extension>
    local hash
    hash="$(sha256sum "$1" | cut -c1-16)"
    cp "$1" "$out/pkg/$3.$hash.$2"
    echo "$3.$hash.$2"
}
wasm="$(hashed "$stage/conduit_bg.wasm" wasm conduit)"
js="$(hashed "$stage/conduit.js" js conduit)"
css="$(hashed style/main.css css conduit)"
printf 'import init from "./%s";\ninit({ module_or_path: new URL("./%s", import.meta.url) });\n' \
    "$js" "$wasm" > "$stage/boot.js"
boot="$(hashed "$stage/boot.js" js boot)"
sed -e "s|{css}|$css|" -e "s|{js}|$js|" -e "s|{wasm}|$wasm|" -e "s|{boot}|$boot|" \
    -e "s|{api_origin}|$api_origin|" -e "s|{vitals_sample}|$VITALS_SAMPLE_RATE|" \
    frontend/index.html > "$out/index.html"
cp -r public/. "$out/"
node scripts/precompress.mjs "$out"
printf '==> %s: %s bytes of WASM, %s brotli\n' "$out" \
    "$(stat -c %s "$out/pkg/$wasm")" "$(stat -c %s "$out/pkg/$wasm.br")"
