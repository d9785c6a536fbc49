// Re-graining (method.md §1.7): keep the colours of `fused`, the gradients of `target`.
// Two solvers: Pitie et al.'s scheme, exactly as in regrain.m (`regrain`), and a robust variant
// (`regrain_robust`, regrain_robust.cpp) that fixes its faults on grey references, flat and small
// targets and dark references (issue 9).
#pragma once

#include <string>
#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

// Which regrain the pipeline runs: kRobust (the default), kPitie (the paper's method, exact), or
// kNone (the fused image as it is).
enum class RegrainMode { kRobust, kPitie, kNone };

// "robust" / "pitie" / "none"; parse_regrain_mode throws Error(kInvalidArgument) on anything else.
const char* regrain_mode_name(RegrainMode mode);
RegrainMode parse_regrain_mode(const std::string& name);

// Shared by both solvers.
struct RegrainParams {
  double smoothness = 1.0;
  // Jacobi iterations per level, finest first; its length bounds the number of levels.
  std::vector<int> iterations = {4, 16, 32, 64, 64, 64};
};

void validate_regrain_params(const RegrainParams& params);

// Throws Error(kInvalidArgument) unless coverage is null, empty or one value per target pixel.
void validate_regrain_coverage(const std::vector<float>* coverage, const RgbImage& target);

// Transparency (both solvers): `coverage` (alpha.h) is null / empty for an opaque image -- the
// solver as it is, bit for bit -- or width * height weights in [0,1]. The energy's terms are then
// weighted by coverage, alpha_p psi_p |J(p) - I1(p)|^2 and alpha_p alpha_q phi_pq |...|^2, so the
// equation of a visible pixel p weights each neighbour q's coupling by alpha_q: a hidden
// neighbour neither pulls J(p) nor imposes its gradient. A hidden pixel's own equation is
// degenerate under that energy; it keeps the unweighted one, so that it stays defined.

// Both solvers: params must be valid (validate_regrain_params; re-checked only with
// kDebugChecks, error.h).

// Pitie's regrain. target (I0) and fused (I1) have the same size. Result is not clamped.
RgbImage regrain(const RgbImage& target, const RgbImage& fused, const RegrainParams& params,
                 const Context& ctx, const std::vector<float>* coverage = nullptr);

// Robust regrain (regrain_robust.cpp): the fused image's colours with the target's detail, in a
// luma / opponent-chroma decomposition; starts from `fused`, keeps a floor on the data term,
// guides chroma only as far as `fused` has chroma and scales the target's luma detail into the
// fused image's range. A pure function of (target, fused): same size, float RGB in [0,1]
// (sRGB-encoded, interleaved); the result is within [0,1] up to float rounding (callers may clamp).
// Grey `fused` (R = G = B everywhere) gives an exactly grey result; a flat target gives `fused`
// smoothed. Peak extra memory: about 6 float planes of the full size (24 bytes per pixel) besides
// the inputs and the 12-byte-per-pixel result. Throws Error(kInvalidArgument) on bad sizes or
// non-finite values, Error(kCancelled) when ctx's flag is raised.
RgbImage regrain_robust(const RgbImage& target, const RgbImage& fused, const RegrainParams& params,
                        const Context& ctx, const std::vector<float>* coverage = nullptr);

// Dispatch on `mode`: regrain_robust, regrain, or a copy of `fused` (kNone).
RgbImage regrain_with_mode(RegrainMode mode, const RgbImage& target, const RgbImage& fused,
                           const RegrainParams& params, const Context& ctx,
                           const std::vector<float>* coverage = nullptr);

}  // namespace supercolor
