#!/usr/bin/env bash
# Quick static checks, run first by tools/test.sh (seconds, before any long suite):
#   1. C++ formatting: every .cpp/.h under src/, tests/cpp/, tools/native/ is as clang-format 14
#      (Debian 12's, the one CI installs) formats it with the root .clang-format.
#   2. Types of the JavaScript: tests, tools, the demo and the package's .mjs modules
#      (tsconfig.check.json, tsconfig.sw.json: checkJs with JSDoc types), and the package's
#      TypeScript, fully strict (tsconfig.json, no output).
# Needs: clang-format (tools/setup.sh installs it) and node_modules (npm ci). Builds nothing.
# Usage: tools/check.sh    Exit status non-zero if any check fails; every check runs.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()

echo "== check: C++ formatting =="
clang_format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$clang_format" ]; then
  echo "check: clang-format is missing (apt-get install -y clang-format, or run tools/setup.sh)" >&2
  failed+=("format")
else
  mapfile -t sources < <(find src tests/cpp tools/native -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
  unformatted=()
  for file in "${sources[@]}"; do
    "$clang_format" --dry-run -Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
  done
  if [ ${#unformatted[@]} -gt 0 ]; then
    echo "check: not formatted as .clang-format says ($("$clang_format" --version)):" >&2
    printf '  %s\n' "${unformatted[@]}" >&2
    echo "check: fix with:  clang-format -i ${unformatted[*]}" >&2
    failed+=("format")
  else
    echo "check: ${#sources[@]} files formatted"
  fi
fi

echo "== check: types (tsc) =="
tsc=node_modules/.bin/tsc
if [ ! -x "$tsc" ]; then
  echo "check: $tsc is missing (npm ci, or run tools/setup.sh)" >&2
  failed+=("types")
else
  for project in tsconfig.json tsconfig.check.json tsconfig.sw.json; do
    if "$tsc" --noEmit -p "$project"; then
      echo "check: $project: no type errors"
    else
      echo "check: $project: type errors above" >&2
      failed+=("types ($project)")
    fi
  done
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "check: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "check: all passed"
