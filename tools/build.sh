#!/usr/bin/env bash
# Builds the npm package's contents: the core in wasm (wasm/), the TypeScript API (dist/) and
# the feature models (models/*.onnx, checked against models/manifest.json).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/build-wasm.sh
# The TypeScript parameter table is generated from the core's (src/core/params.cpp); a stale
# committed copy fails the build (run `node tools/gen-params.mjs` after changing the table).
node tools/gen-params.mjs --check
npx tsc -p tsconfig.json
# tsc does not emit a .mjs that has a hand-written .d.mts beside it: copy both as they are.
cp web/lib/features/index.mjs web/lib/features/index.d.mts dist/features/
chmod +x dist/cli.js
if ! node tools/build-model.mjs --check >/dev/null 2>&1; then
  node tools/build-model.mjs
fi
