// The method's stages together (DESIGN.md section 2):
//   segment -> feature tiles (streamed in by the caller) -> match -> fuse -> regrain.
// Each stage can also be called alone through its own header; Pipeline holds the state between
// stages so the JS side can stream CNN tiles into it.
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
#include "parallel.h"
#include "regrain.h"
#include "slic.h"
#include "superfeatures.h"

namespace supercolor {

// Every parameter of DESIGN.md section 1 with its default.
struct Params {
  SlicParams slic;  // K (0 = round(3 sqrt(n))), m = 10, 10 iterations
  std::vector<std::string> layers = {"relu1_2"};
  AttentionParams attention;  // tau = 0.02
  FusionParams fusion;        // delta_s 10, delta_c 0.1, eps 1e-4, sigma_g adaptive, radius 0.3
  bool regrain_enabled = true;
  RegrainParams regrain;  // smoothness 1, iterations 4,16,32,64,64,64
  int threads = 1;
};

// Throws Error(kInvalidArgument) naming the first bad value. Image-dependent checks (K <= n)
// happen in Pipeline's constructor.
void validate_params(const Params& params);

enum class Stage { kSegment, kFeatures, kMatch, kFuse, kRegrain };
const char* stage_name(Stage stage);  // "segment", "features", "match", "fuse", "regrain"

// (stage, fraction in [0,1] of that stage done). Called on the thread running the stage.
using ProgressCallback = std::function<void(Stage, double)>;

enum class Side { kTarget = 0, kReference = 1 };

class Pipeline {
 public:
  // Validates params and both images (Error on anything wrong; nothing is kept then).
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

  // Stage 5: regrain (if enabled) and clamp to [0,1]. result() is then final.
  void finish();
  const RgbImage& result() const;

  const Params& params() const { return params_; }
  const RgbImage& image(Side side) const { return side == Side::kTarget ? target_ : reference_; }

 private:
  Context context() const { return Context{params_.threads, cancel_}; }
  void report(Stage stage, double fraction) const {
    if (progress_) progress_(stage, fraction);
  }
  void require(bool condition, const char* what) const;
  // The layer at params.layers[layer_index]; Error(kInvalidArgument) for an index out of range.
  const LayerInfo& layer(int layer_index) const;

  Params params_;
  RgbImage target_, reference_;
  ProgressCallback progress_;
  const std::atomic<bool>* cancel_ = nullptr;

  // The last stage completed; re-running a stage (or adding feature tiles) invalidates the later
  // ones, and each accessor requires the stage that produces its data.
  enum class Done { kNothing, kSegment, kMatch, kFuse, kFinish };
  Done done_ = Done::kNothing;
  bool reached(Done stage) const { return done_ >= stage; }

  Segmentation segmentation_[2];
  SuperpixelStats stats_[2];
  std::vector<std::unique_ptr<FeaturePooler>> poolers_[2];
  std::vector<float> superfeatures_[2];
  int combined_channels_ = 0;
  std::vector<float> direct_colors_;
  RgbImage fused_;
  RgbImage result_;
};

}  // namespace supercolor
