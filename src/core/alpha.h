// Transparency (method.md §1.8, "Transparency"): coverage weights and the canonical fill of
// hidden pixels.
//
// Every stage of the method reads colours, so a colour hidden under alpha = 0 (PNG editors keep
// whatever was there: often garbage, pure green, or the colour the layer had before it was
// erased) would drive the result. Two complementary rules remove it:
//  * At the pipeline boundary, the analysis image's RGB under coverage 0 is replaced by a fill
//    computed only from the visible pixels (canonical_fill). Every later stage -- SLIC, the CNN
//    features, which see the image itself, fusion, regrain -- is then independent of hidden RGB
//    by construction, whatever it does with those pixels.
//  * Statistics are weighted by coverage (alpha / 255), so that a half-transparent pixel counts
//    half and a hidden one not at all: superpixel statistics and centres, super-features, the
//    attention (a reference superpixel's softmax weight is scaled by its visible fraction),
//    fusion neighbourhoods, regrain, the full-size carry and the LUT fit.
// An opaque image has an EMPTY coverage vector: every stage then runs its unweighted code, so
// opaque inputs give bit for bit the results of the method without transparency handling.
#pragma once

#include <vector>

#include "image.h"

namespace supercolor {

// Per pixel alpha / 255 in [0,1], row-major (size width * height); empty when every alpha is
// 255.
std::vector<float> coverage_of(const Rgba8Image& image);

// Whether any coverage weight is positive (an empty, i.e. opaque, coverage counts as visible).
bool has_visible_pixel(const std::vector<float>& coverage);

// Replaces, in place, the RGB of every pixel whose coverage is 0 by a push-pull fill of the
// visible pixels (Gortler et al. 1996, "The Lumigraph", §3.4 pull-push): a pyramid of
// coverage-weighted 2x2 means is built until the top is 1x1 (pull), then every hidden pixel takes
// the bilinear interpolation of the next coarser, already filled level (push). The fill depends
// only on visible pixels' colours and on coverage, varies smoothly away from the visible edge
// (no false edges for SLIC, the CNN or the regrain gradients), and is deterministic
// (single-threaded, fixed order; O(n)). Pixels with coverage > 0 are left as they are.
// coverage: width * height values (empty: opaque, nothing to do).
// Throws Error(kInvalidArgument) when coverage has the wrong size or no pixel is visible
// (`what` names the image in the message).
void canonical_fill(RgbImage& image, const std::vector<float>& coverage, const char* what);

}  // namespace supercolor
