#!/usr/bin/env bash
# Runs every test suite: native (Release), native under ASan + UBSan, Node, browser.
# Stops at the first failing suite and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh

echo "== native tests (Release, every label) =="
ctest --preset native -j2

echo "== native tests under ASan + UBSan (without the full-size 'full' label) =="
cmake --preset native-sanitize >/dev/null
cmake --build --preset native-sanitize -j"$(nproc)"
ctest --preset native-sanitize -j2 -LE full
