// Grading controls applied after the transfer (method.md §1.10, beyond the paper):
// strength (a blend of target and result in CIELab) and keep-luminance (the target's L* with the
// result's a*, b*).
#pragma once

#include "image.h"
#include "parallel.h"

namespace supercolor {

struct GradingParams {
  // Fraction of the transfer applied, in [0,1]: 0 returns the target, 1 the result.
  double strength = 1.0;
  // Keep the target's CIELab L* and take only a*, b* from the (strength-blended) result.
  bool preserve_luminance = false;
};

// Throws Error(kInvalidArgument) naming "strength" unless it is finite and in [0,1].
void validate_grading_params(const GradingParams& params);

// The graded image, same size as `target` (sRGB in [0,1], interleaved; see RgbImage).
//   strength == 0                          -> a bit-identical copy of target;
//   strength == 1 and !preserve_luminance  -> a bit-identical copy of result;
//   otherwise, per pixel, in CIELab (D65):  L = preserve_luminance ? L_T : L_T + s (L_R - L_T),
//                                           ab = ab_T + s (ab_R - ab_T),
//     converted back with lab_to_srgb_gamut_mapped (chroma reduced at fixed L* where the colour
//     falls outside sRGB, so the kept L* survives; see colorspace.h).
// The Lab distance of each pixel to the target grows linearly with s (up to gamut mapping).
// Per pixel, so bit-identical for any ctx.threads. params must be valid
// (validate_grading_params; re-checked only with kDebugChecks, error.h). Throws
// Error(kInvalidArgument) for
// images of different sizes or invalid images (validate_image).
RgbImage apply_grading(const RgbImage& target, const RgbImage& result, const GradingParams& params,
                       const Context& ctx);

}  // namespace supercolor
