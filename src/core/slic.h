// SLIC superpixels (Achanta et al. 2012) in CIELab, as method.md §1.1 fixes them.
#pragma once

#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

struct SlicParams {
  int superpixels = 0;        // K requested; 0 = round(3 * sqrt(n))
  float compactness = 10.0f;  // m
  int iterations = 10;
};

// K actually requested for an image of n pixels under these params.
int slic_requested_superpixels(const SlicParams& params, long long pixel_count);

// Throws Error(kInvalidArgument) for K < 0 or K > n, compactness not finite or <= 0,
// iterations < 1. A negative pixel_count skips the image-dependent check (K > n).
void validate_slic_params(const SlicParams& params, long long pixel_count);

// Segments `image`; params must be valid for it (validate_slic_params with its pixel count;
// re-checked only with kDebugChecks, error.h). Labels are 0..count-1, contiguous, each superpixel
// 4-connected; fragments smaller than a quarter of the mean superpixel size are merged into a
// neighbour. Deterministic for a given input and params, whatever ctx.threads. coverage (alpha.h):
// null / empty for an opaque image; else width * height weights in [0,1] and each centre moves to
// the coverage-weighted mean of its pixels (a centre whose pixels are all hidden stays where it
// is), so hidden pixels do not pull superpixels about.
Segmentation slic(const RgbImage& image, const SlicParams& params, const Context& ctx,
                  const std::vector<float>* coverage = nullptr);

}  // namespace supercolor
