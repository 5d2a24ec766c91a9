#!/usr/bin/env bash
# Serves a SPA build (default target/spa) on 127.0.0.1:<port> with Debian's
# nginx, under the same headers and rewrite Amplify Hosting applies
# (scripts/spa-hosting.py generates both from infra/spa-hosting.json). Runs
# in the foreground.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?usage: $0 <port> [site]}"
site="$(cd "${2:-$root/target/spa}" && pwd)"
[ -f "$site/index.html" ] || { echo "no SPA build in $site: run make spa" >&2; exit 1; }
work="$site.nginx"
mkdir -p "$work/nginx-tmp"
# nginx resolves its temp and log paths next to the site root; keep them in $work.
ln -sfn "$site" "$work/site"
python3 "$root/scripts/spa-hosting.py" nginx "$work/site" "$port" > "$work/nginx.conf"
exec /usr/sbin/nginx -p "$work" -c "$work/nginx.conf"
