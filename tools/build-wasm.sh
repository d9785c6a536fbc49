#!/usr/bin/env bash
# Builds the WebAssembly module in both variants (CMakePresets.json) and copies them to
# wasm/ (ignored by git; shipped in the npm package):
#   supercolor-threads.{mjs,wasm,worker.js}  SIMD + pthreads (cross-origin isolated pages, Node)
#   supercolor-simd.{mjs,wasm}               SIMD, no threads (the fallback)
#   package.json                             {"type": "commonjs"}: the pthread worker script is
#                                            CommonJS in Node; the project's package is ESM.
# Usage: tools/build-wasm.sh [--clean]    (JOBS=n to override the parallelism)
set -euo pipefail
cd "$(dirname "$0")/.."

# Emscripten 3.1.6 (Debian) runs its JS optimiser in Node and needs Debian's acorn for -O1+.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
jobs="${JOBS:-$(nproc)}"

if [ "${1:-}" = "--clean" ]; then
  rm -rf build/wasm-threads build/wasm-simd
fi

start=$(date +%s)
# Little CMS and libjpeg-turbo sources (Debian's, pinned and verified; cached in build/_deps/).
bash tools/fetch-debian-source.sh lcms2 >/dev/null
bash tools/fetch-debian-source.sh libjpeg-turbo >/dev/null
bash tools/fetch-debian-source.sh zlib >/dev/null
for variant in threads simd; do
  echo "build-wasm: $variant"
  cmake --preset "wasm-$variant" >/dev/null
  # The threaded link warns that pthreads + memory growth slow down JS access to the heap
  # (the bindings only copy typed arrays in and out): expected, filtered.
  cmake --build --preset "wasm-$variant" -j"$jobs" 2>&1 | { grep -v -e 'Wpthreads-mem-growth' || true; }
done

out=wasm
mkdir -p "$out"
cp build/wasm-threads/supercolor-threads.mjs build/wasm-threads/supercolor-threads.wasm \
   build/wasm-threads/supercolor-threads.worker.js \
   build/wasm-simd/supercolor-simd.mjs build/wasm-simd/supercolor-simd.wasm "$out/"
printf '{ "type": "commonjs" }\n' > "$out/package.json"

echo "build-wasm: done in $(( $(date +%s) - start )) s -> $out/"
for f in "$out"/supercolor-*; do
  printf '  %-28s %8d bytes  (gzip %d)\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
