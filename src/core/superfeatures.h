// Per-superpixel statistics and super-features (paper section 3.1, method.md §1.3 and 1.6).
#pragma once

#include <cstdint>
#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

// Statistics of each superpixel over v(p) = [y/H, x/W, r, g, b] (0-based row y, column x,
// sRGB-encoded r,g,b). Covariances are population covariances (divide by the pixel count).
// With a coverage (alpha.h), means and covariances are coverage-weighted (divide by the summed
// coverage); a superpixel with no visible pixel falls back to the unweighted statistics of its
// (canonically filled) pixels, so that it stays well defined.
struct SuperpixelStats {
  int count = 0;                      // N
  std::vector<int64_t> pixel_count;   // N
  std::vector<double> coverage;       // N: summed alpha/255; empty for an opaque image
  std::vector<double> mean_position;  // N x 2: (y/H, x/W)
  std::vector<double> mean_rgb;       // N x 3
  std::vector<double> cov_position;   // N x 3: (yy, yx, xx)
  std::vector<double> cov_rgb;        // N x 6: (rr, rg, rb, gg, gb, bb)
};

// coverage: width * height weights in [0,1] (alpha.h), or null / empty for an opaque image
// (the unweighted statistics, bit for bit).
SuperpixelStats superpixel_stats(const RgbImage& image, const Segmentation& segmentation,
                                 const Context& ctx, const std::vector<float>* coverage = nullptr);

// Visible fraction of each superpixel, coverage[i] / pixel_count[i] in [0,1] (N values); empty
// when stats.coverage is (opaque image).
std::vector<float> superpixel_visibility(const SuperpixelStats& stats);

// Streaming mean pooling of one CNN layer into super-features:
// F(i) = mean over pixels p of superpixel i of f(p), with f(p) = f_s(min(y/s, Hs-1),
// min(x/s, Ws-1)) (nearest-neighbour upsampling of a stride-s map of size Hs x Ws; the clamp
// covers the last row/column when H or W is not a multiple of s).
// Tiles may arrive in any order and any size; each feature cell must be added exactly once.
class FeaturePooler {
 public:
  // stride in {1, 2, 4}; map_height/map_width are the layer's size (Hs, Ws), which must equal
  // H / s and W / s rounded down (repeated floor halving) and be >= 1.
  // coverage: null / empty for an opaque image, else width * height weights in [0,1]
  // (alpha.h): F(i) is then the coverage-weighted mean over the superpixel's pixels (the
  // unweighted mean for a superpixel without visible pixels).
  FeaturePooler(const Segmentation& segmentation, int channels, int stride, int map_height,
                int map_width, const std::vector<float>* coverage = nullptr);

  // A tile of the feature map: cells [y0, y0+rows) x [x0, x0+cols), channel-planar
  // (data[c * rows * cols + r * cols + col]) as ONNX NCHW output is, `row_stride` floats
  // between rows of one channel plane (>= cols) and `plane_stride` between planes
  // (>= rows * row_stride). Throws Error(kInvalidArgument) if the tile leaves the map or
  // overlaps cells already added.
  void add_tile(int y0, int x0, int rows, int cols, const float* data, std::size_t row_stride,
                std::size_t plane_stride);
  void add_tile(int y0, int x0, int rows, int cols, const float* data) {
    add_tile(y0, x0, rows, cols, data, static_cast<std::size_t>(cols),
             static_cast<std::size_t>(rows) * cols);
  }

  bool complete() const { return cells_added_ == static_cast<long long>(map_height_) * map_width_; }
  int channels() const { return channels_; }
  int stride() const { return stride_; }
  int count() const { return count_; }

  // N x C row-major means. Throws Error(kBadState) unless complete().
  std::vector<float> features() const;

 private:
  int width_, height_, count_, channels_, stride_, map_height_, map_width_;
  std::vector<int32_t> labels_;
  std::vector<double> sums_;     // N x C
  std::vector<int64_t> pixels_;  // N, pixels accounted for so far
  // With a coverage: its copy, and the coverage-weighted sums and summed coverage.
  std::vector<float> coverage_;        // H x W, empty when opaque
  std::vector<double> weighted_sums_;  // N x C
  std::vector<double> weights_;        // N
  std::vector<uint8_t> cell_added_;    // Hs x Ws
  long long cells_added_ = 0;
};

// Feature-map size of a layer of the given stride for an H x W image (floor halving).
int feature_map_size(int image_size, int stride);

// Concatenates several layers' super-features (each N x C_k), L2-normalising each layer's
// vector per superpixel first (a zero vector stays zero). With one layer, returns it as is.
std::vector<float> combine_layers(const std::vector<std::vector<float>>& layers,
                                  const std::vector<int>& channels, int count);

}  // namespace supercolor
