#include "pipeline.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "alpha.h"
#include "error.h"
#include "layers.h"

namespace supercolor {

namespace {

int side_index(Side side) { return static_cast<int>(side); }

}  // namespace

const char* stage_name(Stage stage) {
  switch (stage) {
    case Stage::kSegment:
      return "segment";
    case Stage::kFeatures:
      return "features";
    case Stage::kMatch:
      return "match";
    case Stage::kFuse:
      return "fuse";
    case Stage::kRegrain:
      return "regrain";
    case Stage::kUpsample:
      return "upsample";
  }
  return "unknown";
}

namespace {

// The analysis size of an image under params, checked against kMaxAnalysisPixels.
ImageSize analysis_size(const Params& params, int width, int height, const char* what) {
  const ImageSize size = working_size(width, height, params.analysis_megapixels * 1e6);
  if (static_cast<long long>(size.width) * size.height > kMaxAnalysisPixels) {
    throw Error(ErrorCode::kImageTooLarge,
                std::string(what) + " image (" + std::to_string(width) + "x" +
                    std::to_string(height) +
                    ") is too large to analyse at full resolution: at "
                    "most " +
                    std::to_string(kMaxAnalysisPixels / 1000000) +
                    " megapixels (set analysisMegapixels to a finite working size)");
  }
  return size;
}

}  // namespace

namespace {

bool is_own_size(ImageSize size, int width, int height) {
  return size.width == width && size.height == height;
}

// Validates the parameters and both images (either type); returns their analysis sizes.
template <typename Image>
std::pair<ImageSize, ImageSize> checked_analysis_sizes(const Params& params, const Image& target,
                                                       const Image& reference) {
  validate_params(params);
  validate_image(target, "target");
  validate_image(reference, "reference");
  return {analysis_size(params, target.width, target.height, "target"),
          analysis_size(params, reference.width, reference.height, "reference")};
}

// The image the method analyses: at or below the working size the image itself (exactly the
// full-resolution method), above it its area-averaged reduction (premultiplied by alpha).
// `coverage` receives its alpha / 255 (empty when opaque), and the RGB under coverage 0 is
// replaced by the canonical fill of the visible pixels (alpha.h), so that no later stage --
// the CNN, which reads image(side), included -- can see a hidden colour.
RgbImage analysis_image(const Rgba8Image& image, ImageSize size, const Context& ctx,
                        std::vector<float>& coverage, const char* what) {
  RgbImage analysed;
  if (is_own_size(size, image.width, image.height)) {
    analysed = to_rgb(image);
    coverage = coverage_of(image);
  } else {
    analysed = area_reduce(image, size, ctx, coverage);
  }
  canonical_fill(analysed, coverage, what);
  return analysed;
}

}  // namespace

Pipeline::Pipeline(const Params& params, Rgba8Image target, Rgba8Image reference)
    : params_(params) {
  const auto [target_size, reference_size] = checked_analysis_sizes(params_, target, reference);
  const Context ctx = context();
  output_width_ = target.width;
  output_height_ = target.height;
  target_ = analysis_image(target, target_size, ctx, coverage_[0], "target");
  reference_ = analysis_image(reference, reference_size, ctx, coverage_[1], "reference");
  full_target_rgba_ = std::move(target);
  check_analysis_sizes();
}

Pipeline::Pipeline(const Params& params, RgbImage target, RgbImage reference) : params_(params) {
  const auto [target_size, reference_size] = checked_analysis_sizes(params_, target, reference);
  const Context ctx = context();
  output_width_ = target.width;
  output_height_ = target.height;
  if (is_own_size(target_size, target.width, target.height)) {
    target_ = std::move(target);
  } else {
    target_ = area_reduce(target, target_size, ctx);
    full_target_rgb_ = std::move(target);  // kept for upsample()
  }
  reference_ = is_own_size(reference_size, reference.width, reference.height)
                   ? std::move(reference)
                   : area_reduce(reference, reference_size, ctx);
  check_analysis_sizes();
}

namespace {

bool same_slic(const SlicParams& a, const SlicParams& b) {
  return a.superpixels == b.superpixels && a.compactness == b.compactness &&
         a.iterations == b.iterations;
}
bool same_fusion(const FusionParams& a, const FusionParams& b) {
  return a.delta_s == b.delta_s && a.delta_c == b.delta_c && a.epsilon == b.epsilon &&
         a.sigma_g == b.sigma_g && a.radius == b.radius;
}

}  // namespace

Stage Pipeline::update_params(const Params& params) {
  validate_params(params);
  if (!same_slic(params.slic, params_.slic) ||
      params.analysis_megapixels != params_.analysis_megapixels) {
    return Stage::kSegment;
  }
  Stage first = Stage::kUpsample;
  Done keep = Done::kFinish;
  if (params.layers != params_.layers) {
    // Other layers: the segmentation stays, the features are computed again into new poolers.
    if (!reached(Done::kSegment)) return Stage::kSegment;
    first = Stage::kFeatures;
    keep = Done::kSegment;
  } else if (params.attention.tau != params_.attention.tau ||
             params.attention.block_rows != params_.attention.block_rows) {
    first = Stage::kMatch;
    keep = Done::kSegment;  // the feature poolers are kept; match() pools them again
  } else if (!same_fusion(params.fusion, params_.fusion)) {
    first = Stage::kFuse;
    keep = Done::kMatch;
  } else if (params.regrain_mode != params_.regrain_mode ||
             params.regrain.smoothness != params_.regrain.smoothness ||
             params.regrain.iterations != params_.regrain.iterations) {
    first = Stage::kRegrain;
    keep = Done::kFuse;
  }
  const int threads = params_.threads;
  params_ = params;
  params_.threads = threads;
  done_ = std::min(done_, keep);
  if (first == Stage::kFeatures) make_poolers();
  return first;
}

void Pipeline::check_analysis_sizes() const {
  validate_slic_params(params_.slic, static_cast<long long>(target_.pixel_count()));
  validate_slic_params(params_.slic, static_cast<long long>(reference_.pixel_count()));
}

const LayerInfo& Pipeline::layer(int layer_index) const {
  if (layer_index < 0 || layer_index >= static_cast<int>(params_.layers.size())) {
    throw Error(ErrorCode::kInvalidArgument,
                "layer index " + std::to_string(layer_index) + " out of range");
  }
  return *find_layer(params_.layers[layer_index]);  // names were validated in the constructor
}

void Pipeline::require(bool condition, const char* what) const {
  if (!condition) throw Error(ErrorCode::kBadState, what);
}

void Pipeline::segment() {
  const Context ctx = context();
  report(Stage::kSegment, 0.0);
  Segmentation segmentation[2];
  SuperpixelStats stats[2];
  for (Side side : {Side::kTarget, Side::kReference}) {
    const int s = side_index(side);
    segmentation[s] = slic(image(side), params_.slic, ctx, &coverage_[s]);
    report(Stage::kSegment, 0.4 + 0.4 * s);
    stats[s] = superpixel_stats(image(side), segmentation[s], ctx, &coverage_[s]);
  }
  // Commit only once both sides succeeded, so a cancelled run leaves the previous state.
  for (int s = 0; s < 2; ++s) {
    segmentation_[s] = std::move(segmentation[s]);
    stats_[s] = std::move(stats[s]);
    visibility_[s] = superpixel_visibility(stats_[s]);
  }
  make_poolers();
  done_ = Done::kSegment;
  report(Stage::kSegment, 1.0);
}

void Pipeline::make_poolers() {
  for (int s = 0; s < 2; ++s) {
    poolers_[s].clear();
    for (const std::string& name : params_.layers) {
      const LayerInfo& layer = *find_layer(name);
      const RgbImage& img = image(static_cast<Side>(s));
      poolers_[s].push_back(std::make_unique<FeaturePooler>(
          segmentation_[s], layer.channels, layer.stride,
          feature_map_size(img.height, layer.stride), feature_map_size(img.width, layer.stride),
          &coverage_[s]));
    }
    superfeatures_[s].clear();
  }
}

const Segmentation& Pipeline::segmentation(Side side) const {
  require(reached(Done::kSegment), "segmentation() before segment()");
  return segmentation_[side_index(side)];
}

const SuperpixelStats& Pipeline::stats(Side side) const {
  require(reached(Done::kSegment), "stats() before segment()");
  return stats_[side_index(side)];
}

int Pipeline::feature_map_height(Side side, int layer_index) const {
  return feature_map_size(image(side).height, layer(layer_index).stride);
}

int Pipeline::feature_map_width(Side side, int layer_index) const {
  return feature_map_size(image(side).width, layer(layer_index).stride);
}

void Pipeline::add_feature_tile(Side side, int layer_index, int y0, int x0, int rows, int cols,
                                const float* data, std::size_t row_stride,
                                std::size_t plane_stride) {
  require(reached(Done::kSegment), "add_feature_tile() before segment()");
  layer(layer_index);  // validates the index
  context().check_cancelled();
  poolers_[side_index(side)][layer_index]->add_tile(y0, x0, rows, cols, data, row_stride,
                                                    plane_stride);
  done_ = Done::kSegment;  // new features: matching and what follows must run again
  // Progress: the fraction of all feature cells (both sides, all layers) delivered so far is
  // not tracked cell by cell; completion of each pooler is enough granularity here.
  int complete = 0, total = 0;
  for (const auto& side_poolers : poolers_) {
    for (const auto& pooler : side_poolers) {
      complete += pooler->complete() ? 1 : 0;
      ++total;
    }
  }
  if (poolers_[side_index(side)][layer_index]->complete()) {
    report(Stage::kFeatures, static_cast<double>(complete) / total);
  }
}

bool Pipeline::features_complete() const {
  if (!reached(Done::kSegment)) return false;
  for (const auto& side_poolers : poolers_) {
    for (const auto& pooler : side_poolers) {
      if (!pooler->complete()) return false;
    }
  }
  return true;
}

const std::vector<float>& Pipeline::superfeatures(Side side) const {
  require(reached(Done::kMatch), "superfeatures() before match()");
  return superfeatures_[side_index(side)];
}

void Pipeline::match() {
  require(reached(Done::kSegment), "match() before segment()");
  require(features_complete(), "match() before every feature tile was added");
  const Context ctx = context();
  done_ = Done::kSegment;  // until this stage completes, its old results are not valid
  report(Stage::kMatch, 0.0);
  std::vector<int> channels;
  for (const std::string& name : params_.layers) channels.push_back(find_layer(name)->channels);
  for (int s = 0; s < 2; ++s) {
    std::vector<std::vector<float>> per_layer;
    for (const auto& pooler : poolers_[s]) per_layer.push_back(pooler->features());
    superfeatures_[s] = combine_layers(per_layer, channels, segmentation_[s].count);
  }
  combined_channels_ = 0;
  for (int c : channels) combined_channels_ += c;

  // Ibar_R(j): mean RGB of each reference superpixel (method.md §1.5).
  const SuperpixelStats& reference_stats = stats_[side_index(Side::kReference)];
  std::vector<float> reference_rgb(reference_stats.mean_rgb.begin(),
                                   reference_stats.mean_rgb.end());
  direct_colors_ =
      supercolor::direct_colors(super_features(), reference_rgb.data(), params_.attention, ctx);
  done_ = Done::kMatch;
  report(Stage::kMatch, 1.0);
}

SuperFeatures Pipeline::super_features() const {
  SuperFeatures features{superfeatures_[0].data(), segmentation_[0].count, superfeatures_[1].data(),
                         segmentation_[1].count, combined_channels_};
  // Transparency: visibility-weighted means and attention (attention.h); null when opaque.
  if (!visibility_[0].empty()) features.target_visibility = visibility_[0].data();
  if (!visibility_[1].empty()) features.reference_visibility = visibility_[1].data();
  return features;
}

const std::vector<float>& Pipeline::direct_colors() const {
  require(reached(Done::kMatch), "direct_colors() before match()");
  return direct_colors_;
}

std::vector<float> Pipeline::attention_rows(int row_begin, int row_end) const {
  require(reached(Done::kMatch), "attention_rows() before match()");
  if (row_begin < 0 || row_end > segmentation_[0].count || row_begin > row_end) {
    throw Error(ErrorCode::kInvalidArgument, "attention rows [" + std::to_string(row_begin) + ", " +
                                                 std::to_string(row_end) + ") out of range");
  }
  std::vector<float> rows(static_cast<std::size_t>(row_end - row_begin) * segmentation_[1].count);
  supercolor::attention_rows(super_features(), params_.attention, row_begin, row_end, rows.data(),
                             context());
  return rows;
}

void Pipeline::fuse() {
  require(reached(Done::kMatch), "fuse() before match()");
  done_ = Done::kMatch;
  report(Stage::kFuse, 0.0);
  fused_ = supercolor::fuse(target_, segmentation_[0], stats_[0], direct_colors_.data(),
                            params_.fusion, context(Stage::kFuse));
  done_ = Done::kFuse;
  report(Stage::kFuse, 1.0);
}

const RgbImage& Pipeline::fused() const {
  require(reached(Done::kFuse), "fused() before fuse()");
  return fused_;
}

void Pipeline::finish() {
  require(reached(Done::kFuse), "finish() before fuse()");
  done_ = Done::kFuse;
  RgbImage out;
  const bool regrains = params_.regrain_mode != RegrainMode::kNone;
  if (regrains) report(Stage::kRegrain, 0.0);
  out = regrain_with_mode(params_.regrain_mode, target_, fused_, params_.regrain,
                          context(Stage::kRegrain), &coverage_[0]);
  if (regrains) report(Stage::kRegrain, 1.0);
  for (float& v : out.rgb) v = std::min(1.0f, std::max(0.0f, v));  // method.md §1.8
  result_ = std::move(out);
  done_ = Done::kFinish;
}

const RgbImage& Pipeline::result() const {
  require(reached(Done::kFinish), "result() before finish()");
  return result_;
}

// Below the working size the output is result() rounded to 8 bits; above it, the local affine
// model fitted between the reduced target and result() is applied to every full-resolution
// target pixel, row band by row band (upsample.h).
void Pipeline::upsample() {
  require(reached(Done::kFinish), "upsample() before finish()");
  done_ = Done::kFinish;
  report(Stage::kUpsample, 0.0);
  const Context ctx = context();
  const Rgba8Image* alpha = full_target_rgba_.rgba.empty() ? nullptr : &full_target_rgba_;
  if (!target_reduced()) {
    output_ = to_rgba8(result_, alpha);
  } else {
    const LocalAffineModel model =
        fit_local_affine(target_, result_, LocalAffineParams{}, ctx, &coverage_[0]);
    report(Stage::kUpsample, 0.2);
    const Context apply_ctx = context(Stage::kUpsample, 0.2, 0.8);
    output_ = alpha != nullptr ? apply_local_affine(model, full_target_rgba_, apply_ctx)
                               : apply_local_affine(model, full_target_rgb_, apply_ctx);
  }
  report(Stage::kUpsample, 0.8);
  grade_output();
  done_ = Done::kUpsample;
  report(Stage::kUpsample, 1.0);
}

RgbImage Pipeline::full_target_rows(int y0, int rows) const {
  RgbImage band{output_width_, rows,
                std::vector<float>(3 * static_cast<std::size_t>(output_width_) * rows)};
  const std::size_t first = static_cast<std::size_t>(y0) * output_width_;
  if (!full_target_rgba_.rgba.empty()) {
    for (std::size_t p = 0; p < band.pixel_count(); ++p) {
      for (int c = 0; c < 3; ++c)
        band.rgb[3 * p + c] = full_target_rgba_.rgba[4 * (first + p) + c] / 255.0f;
    }
  } else {
    const RgbImage& full = target_reduced() ? full_target_rgb_ : target_;
    std::copy_n(&full.rgb[3 * first], band.rgb.size(), band.rgb.begin());
  }
  return band;
}

// Grading per band of rows, so no full-resolution float copy exists (it is per pixel, so bands
// give the same result as the whole image).
void Pipeline::grade_output() {
  const GradingParams& grading = params_.grading;
  if (grading.strength == 1.0 && !grading.preserve_luminance) return;  // the transfer as it is
  const Context ctx = context();
  constexpr int kBandRows = 64;
  for (int y0 = 0; y0 < output_height_; y0 += kBandRows) {
    const int rows = std::min(kBandRows, output_height_ - y0);
    const RgbImage target = full_target_rows(y0, rows);
    RgbImage result{output_width_, rows, std::vector<float>(target.rgb.size())};
    const std::size_t first = static_cast<std::size_t>(y0) * output_width_;
    for (std::size_t p = 0; p < result.pixel_count(); ++p) {
      for (int c = 0; c < 3; ++c)
        result.rgb[3 * p + c] = output_.rgba[4 * (first + p) + c] / 255.0f;
    }
    const RgbImage graded = apply_grading(target, result, grading, ctx);
    for (std::size_t p = 0; p < graded.pixel_count(); ++p) {
      for (int c = 0; c < 3; ++c) {
        const float v = std::min(1.0f, std::max(0.0f, graded.rgb[3 * p + c]));
        output_.rgba[4 * (first + p) + c] = static_cast<uint8_t>(std::lround(v * 255.0f));
      }
    }
  }
}

Pipeline::FittedLut Pipeline::fit_lut(const LutFitParams& params) const {
  require(reached(Done::kFinish), "fit_lut() before finish()");
  const Context ctx = context();
  const RgbImage graded = apply_grading(target_, result_, params_.grading, ctx);
  FittedLut fitted;
  fitted.lut = supercolor::fit_lut(target_, graded, params, &coverage_[0]);
  fitted.error = lut_fit_error(fitted.lut, target_, graded, LutInterpolation::kTrilinear, ctx);
  return fitted;
}

const Rgba8Image& Pipeline::output() const {
  require(reached(Done::kUpsample), "output() before upsample()");
  return output_;
}

}  // namespace supercolor
