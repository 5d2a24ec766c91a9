#!/usr/bin/env bash
# make image: the server's container image, built with podman (buildah) on
# this machine from the host's release build (target/release, target/site).
#
# No registry is reachable here, so the one base image the Containerfile
# needs besides `scratch` (Debian, to collect the shared libraries the server
# links) is made from Debian packages: mmdebstrap writes a minimal rootfs and
# podman imports it under the name the Containerfile pulls elsewhere.
#
# Prints the image's size, compressed as a registry would store it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CONTAINERS_CONF="$root/infra/container/containers.conf"

image="${IMAGE:-localhost/conduit:latest}"
debian="docker.io/library/debian:bookworm-slim"
work="target/image"
mkdir -p "$work"

if ! podman image exists "$debian"; then
    echo "==> making $debian from Debian packages (mmdebstrap, minbase)"
    mmdebstrap --quiet --variant=minbase bookworm "$work/debian-rootfs.tar"
    podman import --quiet "$work/debian-rootfs.tar" "$debian" >/dev/null
    rm -f "$work/debian-rootfs.tar"
fi

# An image for the stack must verify the database's certificate (docs/deploy.md, step 2).
if [ "${IMAGE_FOR_AWS:-0}" = 1 ] && [ ! -s infra/container/certs/rds-ca.pem ]; then
    echo "image: infra/container/certs/rds-ca.pem is missing (infra/container/certs/README.md)" >&2
    exit 1
fi

echo "==> building $image from the host's release build"
podman build --quiet --format docker --pull=never --build-arg ARTIFACTS=prebuilt \
    --build-arg DEBIAN_IMAGE="$debian" -t "$image" -f Containerfile . >/dev/null

podman save --quiet --format docker-archive "$image" | gzip -1 > "$work/conduit.tar.gz"
size="$(stat -c %s "$work/conduit.tar.gz")"
printf '==> %s: %s MiB compressed (%s bytes)\n' "$image" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')" "$size"
