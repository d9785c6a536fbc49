// Working resolution (method.md §1.9): the size an image is analysed at, and the antialiased
// reduction to it.
#pragma once

#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

struct ImageSize {
  int width = 0;
  int height = 0;
};

// The largest size with (up to rounding) the image's aspect ratio and at most max_pixels pixels,
// each side at least 1; the image's own size when it has at most max_pixels pixels already (and
// for max_pixels = +infinity).
ImageSize working_size(int width, int height, double max_pixels);

// Antialiased reduction by area averaging: each output pixel is the mean of the source area it
// covers, source pixels counted by their fractional overlap (the "pixel mixing" / OpenCV
// INTER_AREA filter, a box prefilter matched to the scale). Values are sRGB-encoded levels
// averaged as they are, as the method works on sRGB-encoded values (method.md §1.6).
// size must not exceed the source's on either side. Output: float RGB in [0,1] (8-bit input is
// divided by 255). Throws Error(kInvalidArgument) for a size outside [1, source size].
RgbImage area_reduce(const Rgba8Image& source, ImageSize size, const Context& ctx);
RgbImage area_reduce(const RgbImage& source, ImageSize size, const Context& ctx);

// The same for an image with transparency (method.md §1.8): colours are averaged premultiplied
// by alpha, so a colour hidden under alpha = 0 cannot bleed into its visible neighbours, and
// `coverage` receives each output pixel's mean alpha / 255 (size.width * size.height values).
// An output pixel that covers only hidden pixels has coverage 0 and RGB 0 (for canonical_fill,
// alpha.h). An opaque source gives exactly area_reduce(source, size, ctx) and an empty
// coverage.
RgbImage area_reduce(const Rgba8Image& source, ImageSize size, const Context& ctx,
                     std::vector<float>& coverage);

}  // namespace supercolor
