// The method's stages together (method.md §2):
//   reduce to the working size -> segment -> feature tiles (streamed in by the caller) -> match
//   -> fuse -> regrain -> upsample to full resolution.
// Each stage can also be called alone through its own header; Pipeline holds the state between
// stages so the JS side can stream CNN tiles into it.
//
// Working resolution (method.md §1.9): an image with more than params.analysis_megapixels * 1e6
// pixels is analysed (segment .. regrain) on its area-averaged reduction (resample.h); the
// result is carried to the full-resolution target by a local affine colour model (upsample.h).
// An image at or below the working size is analysed as it is, so its output is exactly the
// full-resolution method's.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention.h"
#include "fusion.h"
#include "image.h"
#include "layers.h"
#include "lut.h"
#include "parallel.h"
#include "params.h"
#include "regrain.h"
#include "resample.h"
#include "slic.h"
#include "superfeatures.h"
#include "upsample.h"

namespace supercolor {

enum class Stage { kSegment, kFeatures, kMatch, kFuse, kRegrain, kUpsample };
// "segment", "features", "match", "fuse", "regrain", "upsample"
const char* stage_name(Stage stage);

// Largest analysis size (pixels of one image analysed at full resolution, i.e. with
// analysis_megapixels above it): the full-resolution stages hold ~150 bytes per analysed pixel,
// which must stay well inside a 4 GB wasm heap. Beyond it the constructor throws
// Error(kImageTooLarge) at once.
constexpr long long kMaxAnalysisPixels = 16LL * 1000 * 1000;

// (stage, fraction in [0,1] of that stage done). Called on the thread running the stage.
using ProgressCallback = std::function<void(Stage, double)>;

enum class Side { kTarget = 0, kReference = 1 };

class Pipeline {
 public:
  // Validates params and both images (Error on anything wrong; nothing is kept then), and reduces
  // each image above the working size. 8-bit RGBA inputs (decoders' output): the target's alpha
  // is kept in output(), and transparency is honoured (method.md §1.8 and alpha.h): the RGB
  // under alpha = 0 cannot change any visible output pixel, every statistic is weighted by
  // alpha; an image whose alpha is 0 everywhere is Error(kInvalidArgument). Float RGB inputs in
  // [0,1]: opaque, output alpha is 255.
  Pipeline(const Params& params, Rgba8Image target, Rgba8Image reference);
  Pipeline(const Params& params, RgbImage target, RgbImage reference);

  void set_progress(ProgressCallback callback) { progress_ = std::move(callback); }
  // The flag is polled inside every stage; a raised flag makes the stage throw kCancelled and
  // leaves the pipeline at the last completed stage (that stage may be re-run).
  void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

  // Stage 1: SLIC on both images, and the target's superpixel statistics.
  void segment();
  const Segmentation& segmentation(Side side) const;
  const SuperpixelStats& stats(Side side) const;

  // Stage 2: feature tiles, layer by layer (layer_index into params.layers), for both images.
  // Sizes of each layer's map: feature_map_size(image side, stride).
  int feature_map_height(Side side, int layer_index) const;
  int feature_map_width(Side side, int layer_index) const;
  void add_feature_tile(Side side, int layer_index, int y0, int x0, int rows, int cols,
                        const float* data, std::size_t row_stride, std::size_t plane_stride);
  bool features_complete() const;
  // Super-features (N x C, layers combined) of a side; available after match().
  const std::vector<float>& superfeatures(Side side) const;
  int superfeature_channels() const { return combined_channels_; }

  // Stage 3: attention (eq. 1-2) and direct matching c(i) (N_T x 3).
  void match();
  const std::vector<float>& direct_colors() const;
  // Rows of A (only sensible for small N; for visualisation).
  std::vector<float> attention_rows(int row_begin, int row_end) const;

  // Stage 4: colour fusion at full resolution (eq. 3-6).
  void fuse();
  const RgbImage& fused() const;

  // Stage 5: regrain (if enabled) and clamp to [0,1], at the analysis size. result() is then
  // the final image at the analysis size (the preview when the target was reduced).
  void finish();
  const RgbImage& result() const;

  // Stage 6: the result at the target's full size, 8-bit RGBA with the target's alpha: result()
  // itself when the target was analysed at full size, else carried by the local affine model;
  // then graded (strength, keep-luminance: grading.h) against the full-resolution target.
  void upsample();
  const Rgba8Image& output() const;

  // A 3D LUT reproducing the transfer (lut.h: regularised least squares on (target, graded
  // result) pixel pairs at the analysis size), with its fit error (CIEDE2000 between the LUT
  // applied to the target and the graded result, trilinear). After finish().
  struct FittedLut {
    Lut lut;
    LutFitError error;
  };
  FittedLut fit_lut(const LutFitParams& params) const;

  // Re-runs with other parameters on the same pair reuse the stages those parameters do not
  // affect. Validates `params` (Error(kInvalidArgument), nothing changed then) and returns the
  // first stage that must run again:
  //   kSegment  SLIC or working-size parameters changed (or segment() never ran): nothing can
  //             be kept (the caller makes a new Pipeline; this one is left as it was);
  //   kFeatures layers: the segmentation is kept, every feature tile must be added again
  //             (empty poolers for the new layers), then match() .. upsample();
  //   kMatch    tau: the features are kept, match() .. upsample() run again;
  //   kFuse     fusion parameters (delta_s, delta_c, epsilon, sigma_g, radius);
  //   kRegrain  regrain mode or settings;
  //   kUpsample grading (strength, keep-luminance) only: upsample() runs again.
  // Otherwise the stages from the returned one are marked not done and the new parameters
  // are in force; the threads are the caller's choice and do not matter (results do not
  // depend on them).
  Stage update_params(const Params& params);

  const Params& params() const { return params_; }
  // The images the method analyses (the working-size reductions when reduced), with the RGB of
  // fully transparent pixels replaced by the canonical fill (alpha.h): what the CNN must see.
  const RgbImage& image(Side side) const { return side == Side::kTarget ? target_ : reference_; }
  // alpha / 255 of image(side) per pixel; empty when that image is opaque.
  const std::vector<float>& coverage(Side side) const { return coverage_[static_cast<int>(side)]; }
  // Full size of the target (the output's size).
  int output_width() const { return output_width_; }
  int output_height() const { return output_height_; }
  // Whether the target is analysed on a reduction.
  bool target_reduced() const {
    return target_.width != output_width_ || target_.height != output_height_;
  }

 private:
  Context context() const { return Context{params_.threads, cancel_}; }
  // The same, with the stages' parallel loops that report progress (fusion, upsampling) mapped
  // to fractions of `stage` within [from, to].
  Context context(Stage stage, double from = 0.0, double to = 1.0) const {
    Context ctx = context();
    if (progress_) {
      ctx.progress = [this, stage, from, to](double f) { report(stage, from + (to - from) * f); };
    }
    return ctx;
  }
  void report(Stage stage, double fraction) const {
    if (progress_) progress_(stage, fraction);
  }
  void require(bool condition, const char* what) const;
  // Common part of the constructors, once target_ and reference_ hold the analysis images.
  void check_analysis_sizes() const;
  // Rows [y0, y0 + rows) of the full-resolution target as float RGB.
  RgbImage full_target_rows(int y0, int rows) const;
  // Applies params.grading to output_ in bands of rows.
  void grade_output();
  // The layer at params.layers[layer_index]; Error(kInvalidArgument) for an index out of range.
  const LayerInfo& layer(int layer_index) const;

  // The attention's inputs, with the visibilities when an image has transparency.
  SuperFeatures super_features() const;

  Params params_;
  RgbImage target_, reference_;  // analysis images (hidden pixels canonically filled)
  // alpha / 255 of each analysis image (alpha.h), empty when opaque: every weighted stage then
  // runs its unweighted code, bit for bit.
  std::vector<float> coverage_[2];
  // The full-resolution target, kept only for upsample() (one of the two, by input type); the
  // float one only when the target is reduced.
  Rgba8Image full_target_rgba_;
  RgbImage full_target_rgb_;
  int output_width_ = 0, output_height_ = 0;
  ProgressCallback progress_;
  const std::atomic<bool>* cancel_ = nullptr;

  // The last stage completed; re-running a stage (or adding feature tiles) invalidates the later
  // ones, and each accessor requires the stage that produces its data.
  enum class Done { kNothing, kSegment, kMatch, kFuse, kFinish, kUpsample };
  Done done_ = Done::kNothing;
  bool reached(Done stage) const { return done_ >= stage; }
  // Empty feature poolers for params_.layers over the current segmentation.
  void make_poolers();

  Segmentation segmentation_[2];
  SuperpixelStats stats_[2];
  std::vector<float> visibility_[2];  // per superpixel, empty when opaque (attention.h)
  std::vector<std::unique_ptr<FeaturePooler>> poolers_[2];
  std::vector<float> superfeatures_[2];
  int combined_channels_ = 0;
  std::vector<float> direct_colors_;
  RgbImage fused_;
  RgbImage result_;
  Rgba8Image output_;
};

}  // namespace supercolor
