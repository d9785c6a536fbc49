#!/usr/bin/env bash
# Runs every test suite: native (Release, every label), native under ASan + UBSan, Node,
# browser. Stops at the first failing suite and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

echo "== native tests (Release, every label) =="
cmake --preset native >/dev/null
cmake --build --preset native -j"$(nproc)"
ctest --preset native -j2

echo "== native tests under ASan + UBSan (without the full-size 'full' label) =="
cmake --preset native-sanitize >/dev/null
cmake --build --preset native-sanitize -j"$(nproc)"
ctest --preset native-sanitize -j2 -LE full

echo "== Node tests =="
node --test --test-concurrency=1 tests/node/

if compgen -G "tests/browser/*.test.mjs" >/dev/null; then
  echo "== browser tests (headless Chromium) =="
  node --test --test-concurrency=1 tests/browser/
fi
