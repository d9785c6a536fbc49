// Strength and keep-luminance (method.md §1.10). The blend is done in CIELab rather than
// sRGB because equal steps of strength then give roughly equal perceived steps, and because
// "luminance" is meant perceptually: CIELab L* separates lightness from the chromatic a*, b*.

#include "grading.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "colorspace.h"
#include "error.h"

namespace supercolor {

void validate_grading_params(const GradingParams& params) {
  if (!std::isfinite(params.strength) || params.strength < 0.0 || params.strength > 1.0) {
    throw Error(ErrorCode::kInvalidArgument,
                "strength must be a number in [0, 1], got " + std::to_string(params.strength));
  }
}

RgbImage apply_grading(const RgbImage& target, const RgbImage& result, const GradingParams& params,
                       const Context& ctx) {
  // Parameters were validated at the boundary (validate_params); see kDebugChecks.
  if constexpr (kDebugChecks) validate_grading_params(params);
  validate_image(target, "target");
  validate_image(result, "result");
  if (target.width != result.width || target.height != result.height) {
    throw Error(ErrorCode::kInvalidArgument, "result size differs from the target's");
  }
  // The two exact end points are copies, not round trips through Lab (which would move values
  // by a few ulps): strength 0 must give back the target, strength 1 today's result.
  if (params.strength == 0.0) return target;
  if (params.strength == 1.0 && !params.preserve_luminance) return result;

  const float s = static_cast<float>(params.strength);
  RgbImage out{target.width, target.height, std::vector<float>(target.rgb.size())};
  constexpr std::size_t kGrain = 4096;  // pixels per chunk; per-pixel work, any split is exact
  parallel_for(ctx, 0, target.pixel_count(), kGrain, [&](std::size_t begin, std::size_t end) {
    std::vector<float> lab_t(3 * (end - begin)), lab_r(3 * (end - begin));
    srgb_to_lab(&target.rgb[3 * begin], lab_t.data(), end - begin);
    srgb_to_lab(&result.rgb[3 * begin], lab_r.data(), end - begin);
    for (std::size_t i = 0; i < end - begin; ++i) {
      float* t = &lab_t[3 * i];
      const float* r = &lab_r[3 * i];
      if (!params.preserve_luminance) t[0] += s * (r[0] - t[0]);
      t[1] += s * (r[1] - t[1]);
      t[2] += s * (r[2] - t[2]);
    }
    lab_to_srgb_gamut_mapped(lab_t.data(), &out.rgb[3 * begin], end - begin);
  });
  return out;
}

}  // namespace supercolor
