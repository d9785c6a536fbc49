// Carrying a transfer computed at the working resolution to the full-resolution target
// (method.md §1.9), edge-aware: a local affine colour model fitted at the working size and
// applied at full size -- the guided filter (He, Sun, Tang, "Guided image filtering", TPAMI 2013,
// eq. 14-16 with a colour guide) used as in the fast guided filter (He, Sun, 2015): coefficients
// are computed on the reduced pair and bilinearly upsampled, then applied to the full-resolution
// target. Each output pixel is A(p) I(p) + b(p) with I(p) the full-resolution target pixel, so the
// target's full-resolution detail passes through while the colours follow the working-size
// result.
#pragma once

#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

struct LocalAffineParams {
  int radius = 2;         // window radius in working-resolution pixels (window (2r+1)^2)
  double epsilon = 1e-4;  // ridge on the guide's colour covariance (values in [0,1])
};

// Per pixel of the working resolution: A (3x3, row-major: out_c = sum_k A[c][k] I_k) then b (3),
// 12 floats per pixel, row-major pixels.
struct LocalAffineModel {
  int width = 0;
  int height = 0;
  std::vector<float> coefficients;  // size 12 * width * height
};

// Fits the colour change, result - guide ~ A' guide + b, in every (2r+1)^2 window (eq. 14-15,
// with the change as the filtered image), averages the coefficients of the windows covering each
// pixel (eq. 16), and stores A = A' + Id, so that the model maps guide to result. guide and
// result: same size, float RGB.
// coverage (alpha.h): null / empty for an opaque guide (the plain guided filter, bit for bit),
// else one weight in [0,1] per pixel: the window statistics of eq. 14-15 become
// coverage-weighted means, so hidden pixels do not bend the colour model of visible ones.
// Throws Error(kInvalidArgument) for different sizes, radius < 1, epsilon <= 0 or a coverage
// of the wrong size.
LocalAffineModel fit_local_affine(const RgbImage& guide, const RgbImage& result,
                                  const LocalAffineParams& params, const Context& ctx,
                                  const std::vector<float>* coverage = nullptr);

// Applies the model, bilinearly upsampled (pixel centres aligned), to a full-resolution target,
// clamps to [0,1] and rounds to 8 bits. Alpha comes from the target (255 for a float target).
// Works row by row: nothing of size H x W but the output is allocated.
Rgba8Image apply_local_affine(const LocalAffineModel& model, const Rgba8Image& target,
                              const Context& ctx);
Rgba8Image apply_local_affine(const LocalAffineModel& model, const RgbImage& target,
                              const Context& ctx);

}  // namespace supercolor
