// Consistent colour transfer on frame sequences (issue 10): one transfer on a key frame (or a
// LUT pooled from every frame's transfer) turned into a 3D LUT and applied to every frame, versus
// an independent transfer per frame; a generated test sequence and a flicker measure. Native
// tooling for tests and benchmarks (the CLI's --batch --consistent is the shipped path).
#pragma once

#include <vector>

#include "core/lut.h"
#include "core/pipeline.h"
#include "vgg_reference.h"

namespace supercolor::reference {

// `frames` frames of width x height (8-bit values) panning left to right across `photo`
// (resized to `height` rows, keeping its aspect; it must then be wider than `width`), frame k
// with its exposure scaled in linear light by 1 + exposure_amplitude * sin(2 pi k / 7.5): a
// camera pan with small exposure drift. Frame k shows strip columns [offsets[k], offsets[k] +
// width) (whole pixels, so consecutive frames can be aligned exactly).
struct PanSequence {
  std::vector<RgbImage> frames;
  std::vector<int> offsets;
};
PanSequence make_pan_sequence(const RgbImage& photo, int frames, int width, int height,
                              double exposure_amplitude);

// Flicker: mean over consecutive pairs (k, k+1) of the mean per-pixel CIEDE2000 between them.
// With `offsets` (make_pan_sequence's), pixels are compared at the same scene point (frame k
// column x against frame k+1 column x + offsets[k] - offsets[k+1], over the overlap), so the
// figure measures colour change alone, not the pan's motion; without, plain frame differences.
double mean_consecutive_delta_e(const std::vector<RgbImage>& frames,
                                const std::vector<int>* offsets = nullptr);

// Applies one LUT to every frame (the "consistent" batch).
std::vector<RgbImage> apply_lut_to_frames(const Lut& lut, const std::vector<RgbImage>& frames,
                                          LutInterpolation interpolation, const Context& ctx);

// The full method on one frame (native reference features), finished result.
RgbImage transfer_frame(const RgbImage& frame, const RgbImage& reference, const Params& params,
                        const Vgg19Reference& vgg);

// Independent: transfer_frame on every frame.
std::vector<RgbImage> transfer_independent(const std::vector<RgbImage>& frames,
                                           const RgbImage& reference, const Params& params,
                                           const Vgg19Reference& vgg);

// Consistent, key frame: transfer frames[key] once, fit a LUT to (frames[key], its result),
// apply the LUT to every frame (tetrahedral, as ffmpeg's lut3d does by default).
std::vector<RgbImage> transfer_consistent_key_frame(const std::vector<RgbImage>& frames,
                                                    std::size_t key, const RgbImage& reference,
                                                    const Params& params,
                                                    const LutFitParams& lut_params,
                                                    const Vgg19Reference& vgg);

// Consistent, pooled: one LUT fitted to the (frame, transfer) pairs of all frames together,
// given the per-frame transfers (e.g. transfer_independent's), applied to every frame.
std::vector<RgbImage> transfer_consistent_pooled(const std::vector<RgbImage>& frames,
                                                 const std::vector<RgbImage>& transfers,
                                                 const LutFitParams& lut_params, int threads);

}  // namespace supercolor::reference
