// REFERENCE ONLY: a plain float64 evaluation of the colour-fusion definition (method.md §1.6,
// paper eq. 3-6), literal and slow, for tests and benchmarks of the fast implementation.
#pragma once

#include <vector>

#include "core/fusion.h"

namespace supercolor::reference {

// Same contract as supercolor::fuse, but the result is float64 (H x W x 3 interleaved) so
// tests can measure the fast version's error exactly; `threads` std::threads over rows. With
// row_step > 1 only rows y with y % row_step == 0 are evaluated (the others are NaN): a sample
// for benchmarks at sizes where the full evaluation takes minutes.
std::vector<double> fuse_brute_force(const RgbImage& target, const Segmentation& segmentation,
                                     const SuperpixelStats& stats, const float* colors,
                                     const FusionParams& params, int threads = 1, int row_step = 1);

}  // namespace supercolor::reference
