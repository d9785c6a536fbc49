#!/usr/bin/env bash
# The main job on the built-in example: recolours ../shared/testdata/pairs/01_pitie_scotland
# with the CLI and writes out/example.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
pair=../shared/testdata/pairs/01_pitie_scotland
mkdir -p out
node dist/cli.js "$pair/target.png" "$pair/reference.png" -o out/example.png
echo "example: wrote out/example.png"
