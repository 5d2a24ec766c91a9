#!/usr/bin/env bash
# Deploys the SPA to the stack's Amplify app (docs/deploy.md, step 9).
#   - Without a repository (a manual-deploy app): builds it against the stack's
#     API (`make spa`, production: no debug hook), zips target/spa with its
#     headers (customHttp.yml: Amplify reads them from the upload), uploads the
#     zip and starts the deployment.
#   - With a repository: CloudFormation creates the branch but never starts
#     its first build, so this starts a release job.
# Then waits until Amplify reports the job done.
#
#   scripts/deploy-spa.sh --stack NAME [--dry-run [--app-id ID --branch NAME --api-base URL --repository URL|none]]
#
# --dry-run prints the AWS calls (with the values given, or the stack's) and
# builds nothing; it needs neither AWS credentials nor the aws CLI when the
# values are given.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="" dry_run=false app_id="" branch="" api_base="" repository=""
usage() {
    echo "usage: $0 --stack NAME [--dry-run [--app-id ID --branch NAME --api-base URL --repository URL|none]]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="${2:?}"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        --app-id) app_id="${2:?}"; shift 2 ;;
        --branch) branch="${2:?}"; shift 2 ;;
        --api-base) api_base="${2:?}"; shift 2 ;;
        --repository) repository="${2:?}"; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$stack" ] || usage

output() {
    aws cloudformation describe-stacks --stack-name "$stack" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
[ -n "$app_id" ] || app_id="$(output AmplifyAppId)"
[ -n "$branch" ] || branch="$(output AmplifyBranchName)"
[ -n "$api_base" ] || api_base="$(output ApiBase)"
[ -n "$repository" ] || repository="$(aws amplify get-app --app-id "$app_id" --query app.repository --output text)"

# Runs an AWS call, or prints it on a dry run (with a stand-in answer).
call() {
    if $dry_run; then
        { printf 'aws'; printf ' %q' "$@"; printf '\n'; } >&2
        echo "dry-run-job dry-run-upload-url"
    else
        aws "$@"
    fi
}

if [ "$repository" = none ] || [ "$repository" = None ] || [ -z "$repository" ]; then
    if $dry_run; then
        echo "API_BASE=$api_base SPA_DEBUG_HOOK=0 make spa" >&2
    else
        API_BASE="$api_base" SPA_DEBUG_HOOK=0 make --no-print-directory spa
        cp customHttp.yml target/spa/customHttp.yml
        rm -f target/spa.zip
        (cd target/spa && zip -qr ../spa.zip . -x '*.br' '*.gz')
    fi
    read -r job upload < <(call amplify create-deployment --app-id "$app_id" --branch-name "$branch" \
        --query '[jobId, zipUploadUrl]' --output text)
    if $dry_run; then
        echo "curl --fail --upload-file target/spa.zip <zipUploadUrl>" >&2
    else
        curl --fail --silent --show-error -H 'Content-Type: application/zip' \
            --upload-file target/spa.zip "$upload"
    fi
    call amplify start-deployment --app-id "$app_id" --branch-name "$branch" --job-id "$job" >/dev/null
else
    read -r job _ < <(call amplify start-job --app-id "$app_id" --branch-name "$branch" \
        --job-type RELEASE --query jobSummary.jobId --output text)
fi

$dry_run && { echo "deploy-spa: job $job would be awaited" >&2; exit 0; }
while :; do
    status="$(aws amplify get-job --app-id "$app_id" --branch-name "$branch" --job-id "$job" \
        --query job.summary.status --output text)"
    case "$status" in
        SUCCEED) echo "deploy-spa: job $job deployed"; exit 0 ;;
        FAILED | CANCELLED) echo "deploy-spa: job $job $status" >&2; exit 1 ;;
    esac
    sleep 15
done
