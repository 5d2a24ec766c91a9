#!/usr/bin/env bash
# Uploads the built site (target/site) to S3 for CloudFront, with the headers
# each file needs:
#   pkg/*           content-hashed: Cache-Control public, max-age=31536000, immutable
#   pkg/*.br, *.gz  the same, plus Content-Encoding (served by CloudFront via
#                   the origin request, or used by the app server directly)
#   anything else   Cache-Control public, max-age=300 (names are not hashed)
#
#   scripts/push-assets.sh --bucket NAME [--prefix PATH] [--dry-run]
#
# --dry-run prints every upload and needs neither AWS credentials nor the aws CLI.
# Set ASSET_BASE_URL on the servers to the CloudFront origin of this bucket, and
# allow that origin in the bucket's CORS rules (the WASM is fetched with CORS).
set -euo pipefail

site="${LEPTOS_SITE_ROOT:-target/site}"
bucket="" prefix="" dry_run=false
while [ $# -gt 0 ]; do
    case "$1" in
        --bucket) bucket="$2"; shift 2 ;;
        --prefix) prefix="${2%/}/"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        *) echo "usage: $0 --bucket NAME [--prefix PATH] [--dry-run]" >&2; exit 2 ;;
    esac
done
[ -n "$bucket" ] || { echo "push-assets: --bucket is required" >&2; exit 2; }
[ -d "$site/pkg" ] || { echo "push-assets: $site/pkg not found; run make build first" >&2; exit 1; }
$dry_run || command -v aws >/dev/null || { echo "push-assets: the aws CLI is not installed" >&2; exit 1; }

content_type() {
    case "$1" in
        *.wasm) echo application/wasm ;;
        *.js) echo "text/javascript; charset=utf-8" ;;
        *.css) echo "text/css; charset=utf-8" ;;
        *.svg) echo image/svg+xml ;;
        *.html) echo "text/html; charset=utf-8" ;;
        *.json) echo application/json ;;
        *) echo application/octet-stream ;;
    esac
}

upload() {
    local file="$1" key="$2" cache="$3" type="$4" encoding="${5:-}"
    local args=(s3 cp "$file" "s3://$bucket/$prefix$key" --cache-control "$cache" --content-type "$type")
    [ -z "$encoding" ] || args+=(--content-encoding "$encoding")
    if $dry_run; then
        printf 'aws'; printf ' %q' "${args[@]}"; printf '\n'
    else
        aws "${args[@]}"
    fi
}

count=0
while IFS= read -r -d '' file; do
    key="${file#"$site"/}"
    case "$key" in
        *.d.*.ts) continue ;;  # type declarations are not served
        pkg/*) cache="public, max-age=31536000, immutable" ;;
        *) cache="public, max-age=300" ;;
    esac
    case "$key" in
        *.br) upload "$file" "$key" "$cache" "$(content_type "${key%.br}")" br ;;
        *.gz) upload "$file" "$key" "$cache" "$(content_type "${key%.gz}")" gzip ;;
        *) upload "$file" "$key" "$cache" "$(content_type "$key")" ;;
    esac
    count=$((count + 1))
done < <(find "$site" -type f -print0 | sort -z)
echo "push-assets: $count files $($dry_run && echo "would be uploaded" || echo uploaded) to s3://$bucket/$prefix"
