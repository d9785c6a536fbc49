#!/usr/bin/env bash
# Fetches the Little CMS (lcms2) sources that the wasm build compiles into the module (the native
# build links Debian's liblcms2 instead): Debian's source package of the very version Debian 12
# ships, i.e. upstream's 2.14 tarball plus Debian's patches (security fixes among them), so that
# the wasm decoder and the native one run the same code. Both files are pinned by SHA-256 (from
# the package's signed .dsc) and verified; they are cached in build/_deps/ (ignored by git), so
# the network (deb.debian.org only) is used once.
#
# Usage: tools/fetch-lcms2.sh   -> prints the source folder (build/_deps/lcms2-2.14)
# If Debian replaces this revision (a new +deb12uN), the download fails with a 404: update
# DEBIAN_REVISION and DEBIAN_SHA256 from the new .dsc (Checksums-Sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=2.14
ORIG_SHA256=28474ea6f6591c4d4cee972123587001a4e6e353412a41b3e9e82219818d5740
DEBIAN_REVISION=2+deb12u1
DEBIAN_SHA256=3b88006a5ccc15f3d4b2f28310875a8c4d789ac8342deaf4113ed5c2fd4a59e8
POOL=https://deb.debian.org/debian/pool/main/l/lcms2

deps=build/_deps
source_dir="$deps/lcms2-$VERSION"
stamp="$source_dir/.supercolor-$VERSION-$DEBIAN_REVISION"
if [ -f "$stamp" ]; then
  echo "$source_dir"
  exit 0
fi
mkdir -p "$deps"

fetch() {  # fetch FILE SHA256: download into $deps unless a verified copy is there
  local file="$1" sha="$2"
  if [ ! -f "$deps/$file" ] || ! echo "$sha  $deps/$file" | sha256sum -c --status; then
    echo "fetch-lcms2: downloading $POOL/$file" >&2
    curl -fsSL --retry 3 -o "$deps/$file.part" "$POOL/$file"
    mv "$deps/$file.part" "$deps/$file"
  fi
  if ! echo "$sha  $deps/$file" | sha256sum -c --status; then
    echo "fetch-lcms2: $file does not have the pinned SHA-256 $sha" >&2
    rm -f "$deps/$file"
    exit 1
  fi
}
orig="lcms2_$VERSION.orig.tar.gz"
debian="lcms2_$VERSION-$DEBIAN_REVISION.debian.tar.xz"
fetch "$orig" "$ORIG_SHA256"
fetch "$debian" "$DEBIAN_SHA256"

rm -rf "$source_dir" "$deps/debian"
tar -xzf "$deps/$orig" -C "$deps"
tar -xJf "$deps/$debian" -C "$deps"
while read -r patch_name; do
  case "$patch_name" in '' | '#'*) continue ;; esac
  patch -d "$source_dir" -p1 -s <"$deps/debian/patches/$patch_name"
done <"$deps/debian/patches/series"
rm -rf "$deps/debian"
touch "$stamp"
echo "$source_dir"
