#!/usr/bin/env bash
# Fetches the sources of a C library that the wasm build compiles into the module (the native
# build links Debian's binary package of it instead): Debian's source package of the very version
# Debian 12 ships, i.e. upstream's tarball plus Debian's patches (security fixes among them), so
# that the wasm decoder and the native one run the same code. Both files are pinned by SHA-256
# (from the package's signed .dsc, Checksums-Sha256) and verified; they are cached in build/_deps/
# (ignored by git), so the network (deb.debian.org only) is used once per version.
#
# Usage: tools/fetch-debian-source.sh lcms2|libjpeg-turbo|zlib  -> prints the source folder
#        (build/_deps/lcms2-2.14, build/_deps/libjpeg-turbo-2.1.5, build/_deps/zlib-1.2.13.dfsg)
# If Debian replaces a revision (a new +deb12uN), the download fails with a 404: update its
# revision and SHA-256 below from the new .dsc.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  lcms2)  # Little CMS: ICC profiles -> sRGB
    source_package=lcms2
    version=2.14
    orig_sha256=28474ea6f6591c4d4cee972123587001a4e6e353412a41b3e9e82219818d5740
    debian_revision=2+deb12u1
    debian_sha256=3b88006a5ccc15f3d4b2f28310875a8c4d789ac8342deaf4113ed5c2fd4a59e8
    ;;
  libjpeg-turbo)  # JPEG decoding (Debian's version string 1:2.1.5-2; the epoch is not in names)
    source_package=libjpeg-turbo
    version=2.1.5
    orig_sha256=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c
    debian_revision=2
    debian_sha256=cdb2433c2f7101345c1ffa14efb943787c675b86354691a32490845fe4bc9237
    ;;
  zlib)  # deflate for PNG encoding (Debian's version string 1:1.2.13.dfsg-1)
    source_package=zlib
    version=1.2.13.dfsg
    orig_sha256=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
    orig_ext=tar.bz2
    debian_revision=1
    debian_sha256=f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44
    ;;
  *)
    echo "usage: $0 lcms2|libjpeg-turbo|zlib" >&2
    exit 2
    ;;
esac
# Debian's pool: main/<first letter, or lib + letter>/<source package>/
case "$source_package" in
  lib*) pool_letter="${source_package:0:4}" ;;
  *) pool_letter="${source_package:0:1}" ;;
esac
pool="https://deb.debian.org/debian/pool/main/$pool_letter/$source_package"

deps=build/_deps
source_dir="$deps/$source_package-$version"
stamp="$source_dir/.supercolor-$version-$debian_revision"
if [ -f "$stamp" ]; then
  echo "$source_dir"
  exit 0
fi
mkdir -p "$deps"

fetch() {  # fetch FILE SHA256: download into $deps unless a verified copy is there
  local file="$1" sha="$2"
  if [ ! -f "$deps/$file" ] || ! echo "$sha  $deps/$file" | sha256sum -c --status; then
    echo "fetch-debian-source: downloading $pool/$file" >&2
    curl -fsSL --retry 3 -o "$deps/$file.part" "$pool/$file"
    mv "$deps/$file.part" "$deps/$file"
  fi
  if ! echo "$sha  $deps/$file" | sha256sum -c --status; then
    echo "fetch-debian-source: $file does not have the pinned SHA-256 $sha" >&2
    rm -f "$deps/$file"
    exit 1
  fi
}
orig="${source_package}_$version.orig.${orig_ext:-tar.gz}"
debian="${source_package}_$version-$debian_revision.debian.tar.xz"
fetch "$orig" "$orig_sha256"
fetch "$debian" "$debian_sha256"

# Unpacked in a folder of its own, so two packages fetched at once cannot share debian/.
work="$deps/.unpack-$source_package"
rm -rf "$source_dir" "$work"
mkdir -p "$work"
tar -xf "$deps/$orig" -C "$work"  # gzip or bzip2, by its contents
tar -xJf "$deps/$debian" -C "$work"
unpacked=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name debian)
if [ -f "$work/debian/patches/series" ]; then
  while read -r patch_name _; do
    case "$patch_name" in '' | '#'*) continue ;; esac
    patch -d "$unpacked" -p1 -s <"$work/debian/patches/$patch_name"
  done <"$work/debian/patches/series"
fi
mv "$unpacked" "$source_dir"
rm -rf "$work"
touch "$stamp"
echo "$source_dir"
