#!/usr/bin/env bash
# Runs every check and test suite: the static checks (C++ format, types; seconds), native
# (Release, every label), native under ASan + UBSan, the threaded native tests under
# ThreadSanitizer, Node, browser. Stops at the first failing stage and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --no-build

echo "== static checks (C++ format, types) =="
bash tools/check.sh

bash tools/setup.sh

echo "== native tests (Release, every label) =="
cmake --preset native >/dev/null
cmake --build --preset native -j"$(nproc)"
ctest --preset native -j2

echo "== native tests under ASan + UBSan (without the full-size 'full' label) =="
cmake --preset native-sanitize >/dev/null
cmake --build --preset native-sanitize -j"$(nproc)"
ctest --preset native-sanitize -j2 -LE full

echo "== native tests that run threads, under ThreadSanitizer (CMakePresets.json: native-tsan) =="
cmake --preset native-tsan >/dev/null
cmake --build --preset native-tsan -j"$(nproc)"
# GCC 12's ThreadSanitizer expects the address layout of kernels that randomise mmap with at
# most 28 bits; with more (vm.mmap_rnd_bits = 32 on newer kernels) it dies with "unexpected
# memory mapping". There the tests run with address randomisation off (setarch -R, inherited
# by the test processes; no root needed).
tsan_launcher=()
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)" -gt 28 ]; then
  tsan_launcher=(setarch "$(uname -m)" -R)
fi
"${tsan_launcher[@]}" ctest --preset native-tsan -j2

echo "== Node tests =="
node --test --test-concurrency=1 tests/node/

if compgen -G "tests/browser/*.test.mjs" >/dev/null; then
  echo "== browser tests (headless Chromium) =="
  node --test --test-concurrency=1 tests/browser/
fi
