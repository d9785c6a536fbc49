#!/usr/bin/env bash
# Installs everything supercolor needs on a fresh Debian 12 machine (as root) and builds it.
# Idempotent: steps already done are skipped or incremental. Used by `npm test`,
# `npm run example` and CI.
# Usage: tools/setup.sh [--no-build]   (--no-build: install only; tools/test.sh runs the static
#        checks between the two halves, so a format or type error fails before the long build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
[ "${1:-}" = "--no-build" ] && build=0

# liblcms2-dev, libjpeg62-turbo-dev, zlib1g-dev: ICC profiles, JPEG decoding, PNG deflate (native
# build); curl, xz-utils, bzip2, patch: tools/fetch-debian-source.sh fetches the same lcms2,
# libjpeg-turbo and zlib from Debian's source
# pool for the wasm build. libjpeg-turbo-progs: djpeg / jpegtran, which the tests use to check the
# wasm JPEG decoder against the native one (and to transcode to arithmetic coding).
# clang-format: tools/check.sh (Debian 12's is version 14, the one the C++ is formatted with).
debian_packages=(cmake g++ make libeigen3-dev libstb-dev libgtest-dev emscripten binaryen chromium ffmpeg
                 liblcms2-dev libjpeg62-turbo-dev libjpeg-turbo-progs zlib1g-dev curl ca-certificates xz-utils
                 bzip2 patch clang-format)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install ${missing[*]} (run as root, or install them first)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: npm ci"
  # onnxruntime-node's install script downloads GPU files; its CPU library is in the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi

[ "$build" = 1 ] || exit 0
echo "setup: package build (wasm core, TypeScript, feature models)"
bash tools/build.sh
