// Pitie et al.'s re-graining (DESIGN.md 1.7): keep the colours of `fused`, the gradients of
// `target`.
#pragma once

#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

// Which post-processing restores the target's detail after fusion (the `regrain` parameter).
enum class RegrainMode {
  kPitie,  // Pitie et al. 2005, regrain.m (DESIGN.md 1.7)
  kNone,   // the fused image as it is
};

struct RegrainParams {
  double smoothness = 1.0;
  // Jacobi iterations per level, finest first; its length bounds the number of levels.
  std::vector<int> iterations = {4, 16, 32, 64, 64, 64};
};

void validate_regrain_params(const RegrainParams& params);

// target (I0) and fused (I1) have the same size. Result is not clamped.
RgbImage regrain(const RgbImage& target, const RgbImage& fused, const RegrainParams& params,
                 const Context& ctx);

}  // namespace supercolor
