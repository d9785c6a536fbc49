#include "pipeline.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"
#include "layers.h"

namespace supercolor {

namespace {

int side_index(Side side) { return static_cast<int>(side); }

}  // namespace

void validate_params(const Params& params) {
  validate_slic_params(params.slic, -1);
  validate_attention_params(params.attention);
  validate_fusion_params(params.fusion);
  if (params.regrain_enabled) validate_regrain_params(params.regrain);
  if (params.threads < 1 || params.threads > 256) {
    throw Error(ErrorCode::kInvalidArgument,
                "threads must be in [1, 256], got " + std::to_string(params.threads));
  }
  if (params.layers.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "layers must name at least one layer");
  }
  for (std::size_t i = 0; i < params.layers.size(); ++i) {
    if (find_layer(params.layers[i]) == nullptr) {
      throw Error(ErrorCode::kInvalidArgument,
                  "unknown layer '" + params.layers[i] +
                      "' (expected relu1_2, relu2_1, relu2_2 or relu3_1)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (params.layers[j] == params.layers[i]) {
        throw Error(ErrorCode::kInvalidArgument, "layer '" + params.layers[i] + "' given twice");
      }
    }
  }
}

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
  }
  return "unknown";
}

Pipeline::Pipeline(const Params& params, RgbImage target, RgbImage reference)
    : params_(params), target_(std::move(target)), reference_(std::move(reference)) {
  validate_params(params_);
  validate_image(target_, "target");
  validate_image(reference_, "reference");
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
    segmentation[s] = slic(image(side), params_.slic, ctx);
    report(Stage::kSegment, 0.4 + 0.4 * s);
    stats[s] = superpixel_stats(image(side), segmentation[s], ctx);
  }
  // Commit only once both sides succeeded, so a cancelled run leaves the previous state.
  for (int s = 0; s < 2; ++s) {
    segmentation_[s] = std::move(segmentation[s]);
    stats_[s] = std::move(stats[s]);
    poolers_[s].clear();
    for (const std::string& name : params_.layers) {
      const LayerInfo& layer = *find_layer(name);
      const RgbImage& img = image(static_cast<Side>(s));
      poolers_[s].push_back(std::make_unique<FeaturePooler>(
          segmentation_[s], layer.channels, layer.stride,
          feature_map_size(img.height, layer.stride), feature_map_size(img.width, layer.stride)));
    }
    superfeatures_[s].clear();
  }
  done_ = Done::kSegment;
  report(Stage::kSegment, 1.0);
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

  // Ibar_R(j): mean RGB of each reference superpixel (DESIGN.md 1.5).
  const SuperpixelStats& reference_stats = stats_[side_index(Side::kReference)];
  std::vector<float> reference_rgb(reference_stats.mean_rgb.begin(),
                                   reference_stats.mean_rgb.end());
  direct_colors_ = supercolor::direct_colors(
      SuperFeatures{superfeatures_[0].data(), segmentation_[0].count, superfeatures_[1].data(),
                    segmentation_[1].count, combined_channels_},
      reference_rgb.data(), params_.attention, ctx);
  done_ = Done::kMatch;
  report(Stage::kMatch, 1.0);
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
  supercolor::attention_rows(
      SuperFeatures{superfeatures_[0].data(), segmentation_[0].count, superfeatures_[1].data(),
                    segmentation_[1].count, combined_channels_},
      params_.attention, row_begin, row_end, rows.data(), context());
  return rows;
}

void Pipeline::fuse() {
  require(reached(Done::kMatch), "fuse() before match()");
  done_ = Done::kMatch;
  report(Stage::kFuse, 0.0);
  fused_ = supercolor::fuse(target_, segmentation_[0], stats_[0], direct_colors_.data(),
                            params_.fusion, context());
  done_ = Done::kFuse;
  report(Stage::kFuse, 1.0);
}

const RgbImage& Pipeline::fused() const {
  require(reached(Done::kFuse), "fused() before fuse()");
  return fused_;
}

void Pipeline::finish() {
  require(reached(Done::kFuse), "finish() before fuse()");
  RgbImage out;
  if (params_.regrain_enabled) {
    report(Stage::kRegrain, 0.0);
    out = regrain(target_, fused_, params_.regrain, context());
    report(Stage::kRegrain, 1.0);
  } else {
    out = fused_;
  }
  for (float& v : out.rgb) v = std::min(1.0f, std::max(0.0f, v));  // DESIGN.md 1.8
  result_ = std::move(out);
  done_ = Done::kFinish;
}

const RgbImage& Pipeline::result() const {
  require(reached(Done::kFinish), "result() before finish()");
  return result_;
}

}  // namespace supercolor
