// Per-superpixel statistics and streaming super-feature pooling (paper section 3.1,
// method.md §1.3 and 1.6).
#include "superfeatures.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"

namespace supercolor {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

// The statistics are reduced from per-chunk partial sums. The chunk count is capped so the
// partial sums (chunks x N x 9 doubles) stay small even for the largest images, and the chunk
// boundaries depend only on the image height, so the result is the same for any thread count.
constexpr int kMaxStatsChunks = 16;

// Pass-1 sums per superpixel: pixel count and the sums of y, x (in pixels), r, g, b.
struct FirstMoments {
  std::vector<int64_t> count;  // N
  std::vector<double> sum;     // N x 5
  std::vector<double> weight;  // N, summed effective weights (weighted statistics only)
};

// Pass-2 sums per superpixel of products of deviations from the superpixel's mean:
// (yy, yx, xx) in pixels^2, then (rr, rg, rb, gg, gb, bb).
constexpr int kSecondMomentTerms = 9;

}  // namespace

namespace {

// The two-pass statistics; kWeighted multiplies every pixel's terms by its effective weight
// (its coverage, or 1 in a superpixel without visible pixels) and divides by the summed weight.
// Unweighted, the arithmetic is exactly the original unweighted one.
template <bool kWeighted>
SuperpixelStats compute_stats(const RgbImage& image, const Segmentation& segmentation,
                              const Context& ctx, const float* coverage) {
  const int width = image.width;
  const int height = image.height;
  const int count = segmentation.count;
  const std::size_t n = static_cast<std::size_t>(count);
  const std::size_t row_grain =
      static_cast<std::size_t>((height + kMaxStatsChunks - 1) / kMaxStatsChunks);
  const std::size_t chunks = chunk_count(0, static_cast<std::size_t>(height), row_grain);
  const int32_t* labels = segmentation.labels.data();
  const float* rgb = image.rgb.data();

  // Weighted: the summed coverage per superpixel first (serially, in raster order, so it is the
  // same for any thread count), which decides each pixel's effective weight.
  std::vector<double> visible(kWeighted ? n : 0, 0.0);
  if constexpr (kWeighted) {
    for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
      visible[static_cast<std::size_t>(labels[p])] += coverage[p];
    }
  }
  const auto weight_of = [&](std::size_t p, std::size_t label) -> double {
    if constexpr (kWeighted) {
      return visible[label] > 0.0 ? static_cast<double>(coverage[p]) : 1.0;
    } else {
      (void)p, (void)label;
      return 1.0;
    }
  };

  // Two passes (means, then centred second moments) so the covariances do not suffer the
  // cancellation of E[v^2] - E[v]^2, which matters for near-uniform superpixels.
  std::vector<FirstMoments> first(chunks);
  parallel_for_chunks(ctx, 0, static_cast<std::size_t>(height), row_grain,
                      [&](std::size_t chunk, std::size_t row_begin, std::size_t row_end) {
                        FirstMoments& partial = first[chunk];
                        partial.count.assign(n, 0);
                        partial.sum.assign(n * 5, 0.0);
                        if constexpr (kWeighted) partial.weight.assign(n, 0.0);
                        for (std::size_t y = row_begin; y < row_end; ++y) {
                          const std::size_t row = y * static_cast<std::size_t>(width);
                          for (int x = 0; x < width; ++x) {
                            const std::size_t p = row + static_cast<std::size_t>(x);
                            const std::size_t label = static_cast<std::size_t>(labels[p]);
                            double* sum = &partial.sum[label * 5];
                            ++partial.count[label];
                            if constexpr (kWeighted) {
                              const double w = weight_of(p, label);
                              partial.weight[label] += w;
                              sum[0] += w * static_cast<double>(y);
                              sum[1] += w * static_cast<double>(x);
                              sum[2] += w * rgb[3 * p];
                              sum[3] += w * rgb[3 * p + 1];
                              sum[4] += w * rgb[3 * p + 2];
                            } else {
                              sum[0] += static_cast<double>(y);
                              sum[1] += static_cast<double>(x);
                              sum[2] += rgb[3 * p];
                              sum[3] += rgb[3 * p + 1];
                              sum[4] += rgb[3 * p + 2];
                            }
                          }
                        }
                      });

  SuperpixelStats stats;
  stats.count = count;
  stats.pixel_count.assign(n, 0);
  std::vector<double> total_weight(kWeighted ? n : 0, 0.0);
  // Means in pixel units (y, x, r, g, b); normalised to y/H, x/W at the end.
  std::vector<double> mean(n * 5, 0.0);
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {  // chunk order: deterministic
    for (std::size_t i = 0; i < n; ++i) {
      stats.pixel_count[i] += first[chunk].count[i];
      if constexpr (kWeighted) total_weight[i] += first[chunk].weight[i];
      for (int k = 0; k < 5; ++k) mean[i * 5 + k] += first[chunk].sum[i * 5 + k];
    }
  }
  first.clear();
  first.shrink_to_fit();
  // 1 / (the divisor of superpixel i's means and covariances): its pixel count, or its summed
  // effective weight.
  std::vector<double> inverse_weight(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    // A label without pixels (not produced by SLIC) keeps zero mean and covariance.
    if (stats.pixel_count[i] == 0) continue;
    if constexpr (kWeighted) {
      inverse_weight[i] = 1.0 / total_weight[i];
    } else {
      inverse_weight[i] = 1.0 / static_cast<double>(stats.pixel_count[i]);
    }
    for (int k = 0; k < 5; ++k) mean[i * 5 + k] *= inverse_weight[i];
  }

  std::vector<std::vector<double>> second(chunks);
  parallel_for_chunks(ctx, 0, static_cast<std::size_t>(height), row_grain,
                      [&](std::size_t chunk, std::size_t row_begin, std::size_t row_end) {
                        std::vector<double>& partial = second[chunk];
                        partial.assign(n * kSecondMomentTerms, 0.0);
                        for (std::size_t y = row_begin; y < row_end; ++y) {
                          const std::size_t row = y * static_cast<std::size_t>(width);
                          for (int x = 0; x < width; ++x) {
                            const std::size_t p = row + static_cast<std::size_t>(x);
                            const std::size_t label = static_cast<std::size_t>(labels[p]);
                            const double* m = &mean[label * 5];
                            const double dy = static_cast<double>(y) - m[0];
                            const double dx = static_cast<double>(x) - m[1];
                            const double dr = rgb[3 * p] - m[2];
                            const double dg = rgb[3 * p + 1] - m[3];
                            const double db = rgb[3 * p + 2] - m[4];
                            double* sum = &partial[label * kSecondMomentTerms];
                            if constexpr (kWeighted) {
                              const double w = weight_of(p, label);
                              sum[0] += w * dy * dy;
                              sum[1] += w * dy * dx;
                              sum[2] += w * dx * dx;
                              sum[3] += w * dr * dr;
                              sum[4] += w * dr * dg;
                              sum[5] += w * dr * db;
                              sum[6] += w * dg * dg;
                              sum[7] += w * dg * db;
                              sum[8] += w * db * db;
                            } else {
                              sum[0] += dy * dy;
                              sum[1] += dy * dx;
                              sum[2] += dx * dx;
                              sum[3] += dr * dr;
                              sum[4] += dr * dg;
                              sum[5] += dr * db;
                              sum[6] += dg * dg;
                              sum[7] += dg * db;
                              sum[8] += db * db;
                            }
                          }
                        }
                      });

  std::vector<double> centred(n * kSecondMomentTerms, 0.0);
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    for (std::size_t k = 0; k < centred.size(); ++k) centred[k] += second[chunk][k];
  }

  // v(p) uses y/H and x/W: scale the pixel-unit position moments accordingly.
  const double inverse_height = 1.0 / height;
  const double inverse_width = 1.0 / width;
  stats.mean_position.assign(n * 2, 0.0);
  stats.mean_rgb.assign(n * 3, 0.0);
  stats.cov_position.assign(n * 3, 0.0);
  stats.cov_rgb.assign(n * 6, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    if (stats.pixel_count[i] == 0) continue;
    const double inverse_count = inverse_weight[i];
    const double* m = &mean[i * 5];
    const double* c = &centred[i * kSecondMomentTerms];
    stats.mean_position[i * 2] = m[0] * inverse_height;
    stats.mean_position[i * 2 + 1] = m[1] * inverse_width;
    for (int k = 0; k < 3; ++k) stats.mean_rgb[i * 3 + k] = m[2 + k];
    stats.cov_position[i * 3] = c[0] * inverse_count * inverse_height * inverse_height;
    stats.cov_position[i * 3 + 1] = c[1] * inverse_count * inverse_height * inverse_width;
    stats.cov_position[i * 3 + 2] = c[2] * inverse_count * inverse_width * inverse_width;
    for (int k = 0; k < 6; ++k) stats.cov_rgb[i * 6 + k] = c[3 + k] * inverse_count;
  }
  if constexpr (kWeighted) stats.coverage = std::move(visible);
  return stats;
}

}  // namespace

SuperpixelStats superpixel_stats(const RgbImage& image, const Segmentation& segmentation,
                                 const Context& ctx, const std::vector<float>* coverage) {
  validate_image(image, "image");
  validate_segmentation(segmentation, "segmentation");
  if (segmentation.width != image.width || segmentation.height != image.height) {
    invalid("segmentation is " + std::to_string(segmentation.width) + "x" +
            std::to_string(segmentation.height) + " but the image is " +
            std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  if (coverage == nullptr || coverage->empty()) {
    return compute_stats<false>(image, segmentation, ctx, nullptr);
  }
  if (coverage->size() != image.pixel_count()) {
    invalid("coverage holds " + std::to_string(coverage->size()) + " values for " +
            std::to_string(image.pixel_count()) + " pixels");
  }
  return compute_stats<true>(image, segmentation, ctx, coverage->data());
}

std::vector<float> superpixel_visibility(const SuperpixelStats& stats) {
  if (stats.coverage.empty()) return {};
  std::vector<float> visibility(static_cast<std::size_t>(stats.count), 0.0f);
  for (std::size_t i = 0; i < visibility.size(); ++i) {
    if (stats.pixel_count[i] > 0) {
      visibility[i] = static_cast<float>(
          std::min(1.0, stats.coverage[i] / static_cast<double>(stats.pixel_count[i])));
    }
  }
  return visibility;
}

int feature_map_size(int image_size, int stride) {
  if (stride != 1 && stride != 2 && stride != 4) {
    invalid("feature stride " + std::to_string(stride) + " is not 1, 2 or 4");
  }
  if (image_size < 1) invalid("image size " + std::to_string(image_size) + " is not positive");
  // Each 2x2 max-pooling (stride 2, floor) halves the size, rounding down.
  int size = image_size;
  for (int s = stride; s > 1; s /= 2) size /= 2;
  return size;
}

FeaturePooler::FeaturePooler(const Segmentation& segmentation, int channels, int stride,
                             int map_height, int map_width, const std::vector<float>* coverage) {
  validate_segmentation(segmentation, "segmentation");
  if (channels < 1) invalid("feature channel count " + std::to_string(channels) + " is < 1");
  const int expected_height = feature_map_size(segmentation.height, stride);
  const int expected_width = feature_map_size(segmentation.width, stride);
  if (expected_height < 1 || expected_width < 1) {
    invalid("a " + std::to_string(segmentation.width) + "x" + std::to_string(segmentation.height) +
            " image is too small for a feature map of stride " + std::to_string(stride));
  }
  if (map_height != expected_height || map_width != expected_width) {
    invalid("feature map is " + std::to_string(map_width) + "x" + std::to_string(map_height) +
            " but a stride-" + std::to_string(stride) + " layer of a " +
            std::to_string(segmentation.width) + "x" + std::to_string(segmentation.height) +
            " image is " + std::to_string(expected_width) + "x" + std::to_string(expected_height));
  }
  width_ = segmentation.width;
  height_ = segmentation.height;
  count_ = segmentation.count;
  channels_ = channels;
  stride_ = stride;
  map_height_ = map_height;
  map_width_ = map_width;
  labels_ = segmentation.labels;
  sums_.assign(static_cast<std::size_t>(count_) * channels_, 0.0);
  pixels_.assign(static_cast<std::size_t>(count_), 0);
  cell_added_.assign(static_cast<std::size_t>(map_height_) * map_width_, 0);
  if (coverage != nullptr && !coverage->empty()) {
    if (coverage->size() != labels_.size()) {
      invalid("coverage holds " + std::to_string(coverage->size()) + " values for " +
              std::to_string(labels_.size()) + " pixels");
    }
    coverage_ = *coverage;
    weighted_sums_.assign(sums_.size(), 0.0);
    weights_.assign(pixels_.size(), 0.0);
  }
}

namespace {

// One (cell, superpixel) pair of a tile row: `pixels` pixels of superpixel `label` read the
// feature cell in tile column `column`.
struct CellLabel {
  int32_t column;
  int32_t label;
  int32_t pixels;
  double coverage;  // summed coverage of those pixels (weighted pooling only)
};

}  // namespace

void FeaturePooler::add_tile(int y0, int x0, int rows, int cols, const float* data,
                             std::size_t row_stride, std::size_t plane_stride) {
  const std::string where = "feature tile at (" + std::to_string(y0) + ", " + std::to_string(x0) +
                            ") of " + std::to_string(rows) + "x" + std::to_string(cols) + " cells";
  if (data == nullptr) invalid(where + ": data is null");
  if (rows < 1 || cols < 1) invalid(where + ": empty tile");
  if (y0 < 0 || x0 < 0 || static_cast<long long>(y0) + rows > map_height_ ||
      static_cast<long long>(x0) + cols > map_width_) {
    invalid(where + " leaves the " + std::to_string(map_height_) + "x" +
            std::to_string(map_width_) + " feature map");
  }
  if (row_stride < static_cast<std::size_t>(cols)) {
    invalid(where + ": row stride " + std::to_string(row_stride) + " < cols");
  }
  if (plane_stride < static_cast<std::size_t>(rows) * row_stride) {
    invalid(where + ": plane stride " + std::to_string(plane_stride) + " < rows * row stride");
  }
  // Validate everything before touching the sums, so a rejected tile leaves the pooler as it was
  // and the caller can still complete it.
  for (int r = 0; r < rows; ++r) {
    const uint8_t* added =
        &cell_added_[static_cast<std::size_t>(y0 + r) * map_width_ + static_cast<std::size_t>(x0)];
    for (int c = 0; c < cols; ++c) {
      if (added[c]) {
        invalid(where + " overlaps cell (" + std::to_string(y0 + r) + ", " +
                std::to_string(x0 + c) + "), already added");
      }
    }
  }
  for (int ch = 0; ch < channels_; ++ch) {
    for (int r = 0; r < rows; ++r) {
      const float* row = data + ch * plane_stride + r * row_stride;
      for (int c = 0; c < cols; ++c) {
        if (!std::isfinite(row[c])) {
          invalid(where + ": non-finite value in channel " + std::to_string(ch) + " at cell (" +
                  std::to_string(y0 + r) + ", " + std::to_string(x0 + c) + ")");
        }
      }
    }
  }

  // Each cell (fy, fx) is read by the pixel block [fy*s, fy*s+s) x [fx*s, fx*s+s); the last map
  // row/column also covers the leftover pixels (the min(., Hs-1) clamp of the definition).
  const auto pixel_begin = [this](int cell) { return cell * stride_; };
  const auto pixel_end = [this](int cell, int map_size, int image_size) {
    return cell == map_size - 1 ? image_size : cell * stride_ + stride_;
  };

  // The (cell, label) pairs of one tile row, rebuilt per row; allocated once per tile.
  std::vector<CellLabel> row_pairs;
  row_pairs.reserve(static_cast<std::size_t>(cols) * 2);
  for (int r = 0; r < rows; ++r) {
    const int fy = y0 + r;
    const int py_begin = pixel_begin(fy);
    const int py_end = pixel_end(fy, map_height_, height_);
    row_pairs.clear();
    for (int c = 0; c < cols; ++c) {
      const int fx = x0 + c;
      const int px_begin = pixel_begin(fx);
      const int px_end = pixel_end(fx, map_width_, width_);
      // A cell holds at most (2s-1)^2 pixels and usually one or two labels: a linear search
      // over this cell's pairs is cheapest.
      const std::size_t cell_first = row_pairs.size();
      for (int py = py_begin; py < py_end; ++py) {
        const int32_t* label_row = &labels_[static_cast<std::size_t>(py) * width_];
        const float* coverage_row =
            coverage_.empty() ? nullptr : &coverage_[static_cast<std::size_t>(py) * width_];
        for (int px = px_begin; px < px_end; ++px) {
          const int32_t label = label_row[px];
          const double coverage = coverage_row != nullptr ? coverage_row[px] : 0.0;
          std::size_t k = cell_first;
          while (k < row_pairs.size() && row_pairs[k].label != label) ++k;
          if (k == row_pairs.size()) {
            row_pairs.push_back({c, label, 1, coverage});
          } else {
            ++row_pairs[k].pixels;
            row_pairs[k].coverage += coverage;
          }
        }
      }
    }
    for (const CellLabel& pair : row_pairs) pixels_[pair.label] += pair.pixels;
    if (!coverage_.empty()) {
      for (const CellLabel& pair : row_pairs) weights_[pair.label] += pair.coverage;
      for (int ch = 0; ch < channels_; ++ch) {
        const float* row = data + ch * plane_stride + r * row_stride;
        for (const CellLabel& pair : row_pairs) {
          weighted_sums_[static_cast<std::size_t>(pair.label) * channels_ + ch] +=
              pair.coverage * row[pair.column];
        }
      }
    }

    // Channel by channel, so each plane row is read sequentially. Neighbouring cells mostly
    // share a label: sum runs of one label locally and add to sums_ once per run.
    for (int ch = 0; ch < channels_; ++ch) {
      const float* row = data + ch * plane_stride + r * row_stride;
      int32_t run_label = row_pairs.front().label;
      double run_sum = 0.0;
      for (const CellLabel& pair : row_pairs) {
        if (pair.label != run_label) {
          sums_[static_cast<std::size_t>(run_label) * channels_ + ch] += run_sum;
          run_label = pair.label;
          run_sum = 0.0;
        }
        run_sum += static_cast<double>(pair.pixels) * row[pair.column];
      }
      sums_[static_cast<std::size_t>(run_label) * channels_ + ch] += run_sum;
    }
  }

  for (int r = 0; r < rows; ++r) {
    uint8_t* added =
        &cell_added_[static_cast<std::size_t>(y0 + r) * map_width_ + static_cast<std::size_t>(x0)];
    std::fill(added, added + cols, uint8_t{1});
  }
  cells_added_ += static_cast<long long>(rows) * cols;
}

std::vector<float> FeaturePooler::features() const {
  if (!complete()) {
    throw Error(ErrorCode::kBadState,
                "super-features requested after " + std::to_string(cells_added_) + " of " +
                    std::to_string(static_cast<long long>(map_height_) * map_width_) +
                    " feature cells were added");
  }
  std::vector<float> result(sums_.size(), 0.0f);
  for (int i = 0; i < count_; ++i) {
    // A label without pixels (not produced by SLIC) gets a zero super-feature.
    if (pixels_[i] == 0) continue;
    const std::size_t base = static_cast<std::size_t>(i) * channels_;
    // Weighted by coverage where the superpixel shows anything; the canonical fill's features
    // otherwise (a hidden superpixel must still have a well-defined F(i)).
    if (!weights_.empty() && weights_[i] > 0.0) {
      const double inverse_weight = 1.0 / weights_[i];
      for (int ch = 0; ch < channels_; ++ch) {
        result[base + ch] = static_cast<float>(weighted_sums_[base + ch] * inverse_weight);
      }
      continue;
    }
    const double inverse_count = 1.0 / static_cast<double>(pixels_[i]);
    for (int ch = 0; ch < channels_; ++ch) {
      result[base + ch] = static_cast<float>(sums_[base + ch] * inverse_count);
    }
  }
  return result;
}

std::vector<float> combine_layers(const std::vector<std::vector<float>>& layers,
                                  const std::vector<int>& channels, int count) {
  if (layers.empty()) invalid("combine_layers: no layers");
  if (layers.size() != channels.size()) {
    invalid("combine_layers: " + std::to_string(layers.size()) + " layers but " +
            std::to_string(channels.size()) + " channel counts");
  }
  if (count < 1) invalid("combine_layers: superpixel count " + std::to_string(count) + " < 1");
  std::size_t total_channels = 0;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    if (channels[k] < 1) {
      invalid("combine_layers: layer " + std::to_string(k) + " has " + std::to_string(channels[k]) +
              " channels");
    }
    if (layers[k].size() != static_cast<std::size_t>(count) * channels[k]) {
      invalid("combine_layers: layer " + std::to_string(k) + " holds " +
              std::to_string(layers[k].size()) + " values, expected " + std::to_string(count) +
              " x " + std::to_string(channels[k]));
    }
    total_channels += static_cast<std::size_t>(channels[k]);
  }
  if (layers.size() == 1) return layers.front();

  // Normalising per layer keeps a wide layer (256 channels) from drowning a narrow one in the
  // correlation of eq. 2.
  std::vector<float> combined(static_cast<std::size_t>(count) * total_channels, 0.0f);
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
    float* out = &combined[i * total_channels];
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const std::size_t layer_channels = static_cast<std::size_t>(channels[k]);
      const float* in = &layers[k][i * layer_channels];
      double squared_norm = 0.0;
      for (std::size_t ch = 0; ch < layer_channels; ++ch) {
        squared_norm += static_cast<double>(in[ch]) * in[ch];
      }
      const double inverse_norm = squared_norm > 0.0 ? 1.0 / std::sqrt(squared_norm) : 0.0;
      for (std::size_t ch = 0; ch < layer_channels; ++ch) {
        out[ch] = static_cast<float>(in[ch] * inverse_norm);
      }
      out += layer_channels;
    }
  }
  return combined;
}

}  // namespace supercolor
