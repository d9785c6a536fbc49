// Colour fusion at full resolution (paper eq. 3-6 as method.md §1.6 defines them).
#pragma once

#include <limits>

#include "image.h"
#include "parallel.h"
#include "superfeatures.h"

namespace supercolor {

struct FusionParams {
  double delta_s = 10.0;  // spatial scale of Sigma_i (eq. 6)
  double delta_c = 0.1;   // colour scale of Sigma_i (eq. 6)
  double epsilon = 1e-4;  // ridge added to Sigma_i
  double sigma_g = 0.0;   // 0 = adaptive per pixel (min_i D_i(p) + 1e-5); > 0 = fixed
  double radius = 0.3;    // neighbourhood radius in normalised coords; +infinity = all
};

void validate_fusion_params(const FusionParams& params);

// I_hat(p) = sum_{i in N(p)} d(p,i) c(i) / sum_{i in N(p)} d(p,i).
// target: I_T; colors: N x 3 (c(i)); stats: superpixel_stats(target, segmentation[, coverage]).
// With stats.coverage (a target with transparency, alpha.h), superpixels without visible
// pixels are left out of N(p) for the pixels of superpixels that have some.
// Result is not clamped; within 0.5/255 per channel of the float64 definition (weights below
// a proven bound are left out, see fusion.cpp), bit-identical whatever ctx.threads.
// Reports progress through ctx.progress (fractions in (0, 1), on the calling thread); a
// throwing progress function or a raised ctx.cancel stops it (Error kCancelled for the flag).
// params must be valid (validate_fusion_params; re-checked only with kDebugChecks, error.h).
// Errors: kInvalidArgument for mismatched inputs or non-finite colours.
RgbImage fuse(const RgbImage& target, const Segmentation& segmentation,
              const SuperpixelStats& stats, const float* colors, const FusionParams& params,
              const Context& ctx);

// Image with each pixel painted with its superpixel's colour (the paper's Figure 4 when
// colors = c(i)).
RgbImage paint_superpixels(const Segmentation& segmentation, const float* colors);

}  // namespace supercolor
