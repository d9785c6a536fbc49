#!/usr/bin/env bash
# Regrain modes side by side on every dev pair (issue 9): runs the native method once per pair
# (features from the reference VGG-19 convolution), keeps its fused image, regrains it with
# each mode and scores the results with ../shared/tools/colour_metrics.py (SSIM of L* against
# the target, sliced Wasserstein distance to the reference relative to the target's, (a*,b*)
# histogram intersection with the reference).
#
#   bash tools/eval-regrain.sh [OUT_DIR] [MODES...]     (default /tmp/eval-regrain, robust pitie none)
#
# Needs the native build (cmake --preset native && cmake --build --preset native -j2
# --target supercolor_native) and Debian's python3-skimage python3-scipy. Fused images are cached
# in OUT_DIR/fused/<pair>.npy; delete them to rerun the method.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
native="$root/build/native/supercolor_native"
out=${1:-/tmp/eval-regrain}
shift || true
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(robust pitie none)
threads=${THREADS:-2}
[ -x "$native" ] || { echo "build $native first" >&2; exit 1; }

mkdir -p "$out/fused"
for pair_dir in "$shared"/testdata/pairs/*/; do
  pair=$(basename "$pair_dir")
  target=$(ls "$pair_dir"target.*)
  reference=$(ls "$pair_dir"reference.*)
  fused="$out/fused/$pair.npy"
  if [ ! -f "$fused" ]; then
    "$native" "$target" "$reference" -o "$out/fused/$pair.png" --regrain-mode none \
      --fused-npy "$fused" --threads "$threads" >/dev/null
  fi
  for mode in "${modes[@]}"; do
    mkdir -p "$out/$mode"
    "$native" regrain "$target" "$fused" "$out/$mode/$pair.png" --regrain-mode "$mode" \
      --threads "$threads" >/dev/null
  done
done
for mode in "${modes[@]}"; do
  echo "== regrain: $mode"
  /usr/bin/python3 "$shared/tools/colour_metrics.py" --table "$out/$mode"
done
