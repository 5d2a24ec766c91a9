#!/usr/bin/env bash
# Uploads the hashed /pkg assets of one build to the S3 bucket that CloudFront
# serves /pkg/* from (the stack's AssetBucket output):
#   - exactly the files hash.txt names (conduit.<hash>.js, .wasm, .css): the
#     rest of the site (favicon, avatar) is served by the app through the ALB,
#     and anything else in target/site/pkg (a benchmark's file, an unhashed
#     dev build) is not an asset;
#   - each once, with its Content-Type and `Cache-Control: public,
#     max-age=31536000, immutable` (a new build has new names). No .br/.gz
#     twins: S3 does not negotiate encodings and CloudFront compresses itself.
# Nothing is deleted, so pages still cached and rollbacks find their assets.
#
#   scripts/push-assets.sh --bucket NAME [--site DIR] [--hash-file FILE] [--dry-run]
#
# --dry-run prints the uploads and needs neither AWS credentials nor the aws CLI.
set -euo pipefail

site="${LEPTOS_SITE_ROOT:-target/site}"
hash_file="target/release/hash.txt"
bucket="" dry_run=false
usage() { echo "usage: $0 --bucket NAME [--site DIR] [--hash-file FILE] [--dry-run]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --bucket) bucket="${2:?}"; shift 2 ;;
        --site) site="${2:?}"; shift 2 ;;
        --hash-file) hash_file="${2:?}"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        *) usage ;;
    esac
done
[ -n "$bucket" ] || usage
[ -f "$hash_file" ] || { echo "push-assets: $hash_file not found; run make build first" >&2; exit 1; }
$dry_run || command -v aws >/dev/null || { echo "push-assets: the aws CLI is not installed" >&2; exit 1; }

content_type() {
    case "$1" in
        *.wasm) echo application/wasm ;;
        *.js) echo "text/javascript; charset=utf-8" ;;
        *.css) echo "text/css; charset=utf-8" ;;
        *) echo "push-assets: no content type for $1" >&2; exit 1 ;;
    esac
}

# hash.txt: one `kind: hash` line per asset (js, wasm, css).
assets=()
while IFS=': ' read -r kind hash; do
    [ -n "$hash" ] || continue
    matches=("$site"/pkg/*."$hash".*)
    for file in "${matches[@]}"; do
        case "$file" in
            *.br | *.gz) ;;
            *) [ -f "$file" ] && assets+=("$file") ;;
        esac
    done
    [ ${#assets[@]} -gt 0 ] && [[ "${assets[-1]}" == *".$hash."* ]] \
        || { echo "push-assets: no $kind asset with hash $hash in $site/pkg" >&2; exit 1; }
done < "$hash_file"

for file in "${assets[@]}"; do
    key="pkg/${file##*/}"
    args=(s3 cp "$file" "s3://$bucket/$key" --only-show-errors
        --cache-control "public, max-age=31536000, immutable"
        --content-type "$(content_type "$key")")
    if $dry_run; then
        printf 'aws'; printf ' %q' "${args[@]}"; printf '\n'
    else
        aws "${args[@]}"
    fi
done
echo "push-assets: ${#assets[@]} assets $($dry_run && echo "would be uploaded" || echo uploaded) to s3://$bucket/pkg/"
