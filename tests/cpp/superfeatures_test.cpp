// Super-features and superpixel statistics (method.md §1.3, 1.6) against float64 brute-force
// evaluations of their definitions.
#include "core/superfeatures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "test_support.h"

namespace supercolor {
namespace {

// Superpixel-like segmentation: nearest of `seeds` random seed points (connected cells), with
// labels renumbered 0..N-1 so every label has pixels.
Segmentation voronoi_segmentation(int width, int height, int seeds, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> sx(seeds), sy(seeds);
  for (int k = 0; k < seeds; ++k) {
    sx[k] = uniform(rng) * width;
    sy[k] = uniform(rng) * height;
  }
  Segmentation segmentation{width, height, 0, std::vector<int32_t>(std::size_t(width) * height)};
  std::vector<int32_t> renumber(seeds, -1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      int best = 0;
      double best_distance = std::numeric_limits<double>::infinity();
      for (int k = 0; k < seeds; ++k) {
        const double d = (x - sx[k]) * (x - sx[k]) + (y - sy[k]) * (y - sy[k]);
        if (d < best_distance) best_distance = d, best = k;
      }
      if (renumber[best] < 0) renumber[best] = segmentation.count++;
      segmentation.labels[std::size_t(y) * width + x] = renumber[best];
    }
  }
  return segmentation;
}

// Every pixel gets a random label: many labels per feature cell, the hardest case for pooling.
Segmentation noise_segmentation(int width, int height, int count, unsigned seed) {
  std::mt19937 rng(seed);
  Segmentation segmentation{width, height, count,
                            std::vector<int32_t>(std::size_t(width) * height)};
  for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
    segmentation.labels[p] = static_cast<int32_t>(p < std::size_t(count) ? p : rng() % count);
  }
  std::shuffle(segmentation.labels.begin(), segmentation.labels.end(), rng);
  return segmentation;
}

// Channel-planar feature map: map[c * Hs * Ws + y * Ws + x], ReLU-like values.
std::vector<float> random_feature_map(int channels, int map_height, int map_width, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.2f, 1.0f);
  std::vector<float> map(std::size_t(channels) * map_height * map_width);
  for (float& v : map) v = std::max(0.0f, normal(rng)) * 3.0f;
  return map;
}

// F(i) by its definition, in float64: f(p) = f_s(min(y/s, Hs-1), min(x/s, Ws-1)).
std::vector<double> brute_force_pooling(const Segmentation& segmentation,
                                        const std::vector<float>& map, int channels, int stride,
                                        int map_height, int map_width) {
  std::vector<double> sums(std::size_t(segmentation.count) * channels, 0.0);
  std::vector<double> counts(segmentation.count, 0.0);
  for (int y = 0; y < segmentation.height; ++y) {
    for (int x = 0; x < segmentation.width; ++x) {
      const int label = segmentation.labels[std::size_t(y) * segmentation.width + x];
      const int fy = std::min(y / stride, map_height - 1);
      const int fx = std::min(x / stride, map_width - 1);
      counts[label] += 1.0;
      for (int c = 0; c < channels; ++c) {
        sums[std::size_t(label) * channels + c] +=
            map[(std::size_t(c) * map_height + fy) * map_width + fx];
      }
    }
  }
  for (int i = 0; i < segmentation.count; ++i) {
    for (int c = 0; c < channels; ++c) sums[std::size_t(i) * channels + c] /= counts[i];
  }
  return sums;
}

struct Tile {
  int y0, x0, rows, cols;
};

// Cuts the map into tiles of odd, varying sizes and shuffles them.
std::vector<Tile> shuffled_tiles(int map_height, int map_width, unsigned seed) {
  std::mt19937 rng(seed);
  const int sizes[] = {1, 3, 5, 7, 9};
  std::vector<Tile> tiles;
  for (int y0 = 0; y0 < map_height;) {
    const int rows = std::min(sizes[rng() % 5], map_height - y0);
    for (int x0 = 0; x0 < map_width;) {
      const int cols = std::min(sizes[rng() % 5], map_width - x0);
      tiles.push_back({y0, x0, rows, cols});
      x0 += cols;
    }
    y0 += rows;
  }
  std::shuffle(tiles.begin(), tiles.end(), rng);
  return tiles;
}

// Copies a tile into its own buffer with padded row and plane strides; the padding is NaN, so
// reading it would poison the result.
void add_padded_tile(FeaturePooler& pooler, const std::vector<float>& map, int channels,
                     int map_height, int map_width, const Tile& tile) {
  const std::size_t row_stride = std::size_t(tile.cols) + 3;
  const std::size_t plane_stride = std::size_t(tile.rows) * row_stride + 5;
  std::vector<float> buffer(plane_stride * channels, std::numeric_limits<float>::quiet_NaN());
  for (int c = 0; c < channels; ++c) {
    for (int r = 0; r < tile.rows; ++r) {
      for (int col = 0; col < tile.cols; ++col) {
        buffer[c * plane_stride + r * row_stride + col] =
            map[(std::size_t(c) * map_height + tile.y0 + r) * map_width + tile.x0 + col];
      }
    }
  }
  pooler.add_tile(tile.y0, tile.x0, tile.rows, tile.cols, buffer.data(), row_stride, plane_stride);
}

template <typename Fn>
void expect_error(ErrorCode code, Fn&& fn) {
  try {
    fn();
    ADD_FAILURE() << "expected supercolor::Error " << error_code_name(code);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_NE(std::string(error.what()), "");
  }
}

TEST(SuperfeaturesMapSize, RepeatedFloorHalving) {
  EXPECT_EQ(feature_map_size(37, 1), 37);
  EXPECT_EQ(feature_map_size(37, 2), 18);
  EXPECT_EQ(feature_map_size(37, 4), 9);
  EXPECT_EQ(feature_map_size(3, 4), 0);
  expect_error(ErrorCode::kInvalidArgument, [] { feature_map_size(37, 3); });
  expect_error(ErrorCode::kInvalidArgument, [] { feature_map_size(0, 1); });
}

struct PoolingCase {
  int width, height, stride, channels;
  bool noise_labels;
};

void PrintTo(const PoolingCase& c, std::ostream* os) {
  *os << c.width << "x" << c.height << " stride " << c.stride << ", " << c.channels << " channels, "
      << (c.noise_labels ? "noise" : "voronoi") << " labels";
}

class FeaturePoolerStreaming : public ::testing::TestWithParam<PoolingCase> {};

TEST_P(FeaturePoolerStreaming, TilesInAnyOrderEqualWholeMapAndDefinition) {
  const PoolingCase param = GetParam();
  const Segmentation segmentation =
      param.noise_labels ? noise_segmentation(param.width, param.height,
                                              std::min(23, param.width * param.height), 7)
                         : voronoi_segmentation(param.width, param.height, 17, 11);
  const int map_height = feature_map_size(param.height, param.stride);
  const int map_width = feature_map_size(param.width, param.stride);
  const std::vector<float> map = random_feature_map(param.channels, map_height, map_width, 5);
  const std::vector<double> expected =
      brute_force_pooling(segmentation, map, param.channels, param.stride, map_height, map_width);

  FeaturePooler whole(segmentation, param.channels, param.stride, map_height, map_width);
  EXPECT_EQ(whole.count(), segmentation.count);
  EXPECT_EQ(whole.channels(), param.channels);
  EXPECT_EQ(whole.stride(), param.stride);
  whole.add_tile(0, 0, map_height, map_width, map.data());
  ASSERT_TRUE(whole.complete());
  const std::vector<float> whole_features = whole.features();

  FeaturePooler padded(segmentation, param.channels, param.stride, map_height, map_width);
  for (const Tile& tile : shuffled_tiles(map_height, map_width, 3)) {
    EXPECT_FALSE(padded.complete());
    add_padded_tile(padded, map, param.channels, map_height, map_width, tile);
  }
  ASSERT_TRUE(padded.complete());
  const std::vector<float> padded_features = padded.features();

  // Tiles as windows into the whole map: row stride Ws and plane stride Hs*Ws.
  FeaturePooler windows(segmentation, param.channels, param.stride, map_height, map_width);
  for (const Tile& tile : shuffled_tiles(map_height, map_width, 4)) {
    windows.add_tile(tile.y0, tile.x0, tile.rows, tile.cols,
                     map.data() + std::size_t(tile.y0) * map_width + tile.x0,
                     std::size_t(map_width), std::size_t(map_height) * map_width);
  }
  ASSERT_TRUE(windows.complete());
  const std::vector<float> window_features = windows.features();

  ASSERT_EQ(whole_features.size(), expected.size());
  ASSERT_EQ(padded_features.size(), expected.size());
  ASSERT_EQ(window_features.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const double tolerance = 1e-6 * std::max(1.0, std::abs(expected[k]));
    EXPECT_NEAR(whole_features[k], expected[k], tolerance) << "value " << k;
    EXPECT_NEAR(padded_features[k], whole_features[k], tolerance) << "value " << k;
    EXPECT_NEAR(window_features[k], whole_features[k], tolerance) << "value " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, FeaturePoolerStreaming,
    ::testing::Values(PoolingCase{37, 29, 1, 5, false}, PoolingCase{37, 29, 2, 5, false},
                      PoolingCase{37, 29, 4, 5, false}, PoolingCase{40, 32, 4, 3, false},
                      PoolingCase{31, 23, 2, 4, true}, PoolingCase{31, 23, 4, 4, true},
                      PoolingCase{13, 7, 4, 2, true}, PoolingCase{5, 4, 4, 3, true},
                      PoolingCase{1, 1, 1, 2, false}, PoolingCase{64, 48, 1, 64, false}),
    [](const ::testing::TestParamInfo<PoolingCase>& info) {
      const PoolingCase& p = info.param;
      return std::to_string(p.width) + "x" + std::to_string(p.height) + "_stride" +
             std::to_string(p.stride) + "_c" + std::to_string(p.channels) +
             (p.noise_labels ? "_noise" : "_voronoi");
    });

TEST(FeaturePoolerStreaming, LeftoverPixelsReadTheLastCell) {
  // 7x6 image, stride 4: a 1x1 map (7/2/2 = 1, 6/2/2 = 1), so every pixel reads cell (0,0),
  // including rows 4..5 and columns 4..6 beyond Hs*s and Ws*s.
  Segmentation segmentation{7, 6, 2, std::vector<int32_t>(42, 0)};
  for (int y = 4; y < 6; ++y) {
    for (int x = 4; x < 7; ++x) segmentation.labels[y * 7 + x] = 1;
  }
  FeaturePooler pooler(segmentation, 1, 4, 1, 1);
  const float value = 2.5f;
  pooler.add_tile(0, 0, 1, 1, &value);
  EXPECT_EQ(pooler.features(), (std::vector<float>{2.5f, 2.5f}));
}

TEST(FeaturePoolerErrors, BadTilesThrowAndLeaveThePoolerUsable) {
  const Segmentation segmentation = voronoi_segmentation(21, 17, 9, 1);
  const int map_height = feature_map_size(17, 2), map_width = feature_map_size(21, 2);
  const int channels = 3;
  const std::vector<float> map = random_feature_map(channels, map_height, map_width, 2);
  const std::vector<double> expected =
      brute_force_pooling(segmentation, map, channels, 2, map_height, map_width);
  const std::size_t row_stride = map_width, plane_stride = std::size_t(map_height) * map_width;
  const auto window = [&](int y0, int x0) { return map.data() + std::size_t(y0) * map_width + x0; };

  FeaturePooler pooler(segmentation, channels, 2, map_height, map_width);
  expect_error(ErrorCode::kBadState, [&] { pooler.features(); });
  pooler.add_tile(0, 0, 3, 4, window(0, 0), row_stride, plane_stride);
  expect_error(ErrorCode::kBadState, [&] { pooler.features(); });
  // Overlaps: the same tile again, and one sharing a single cell (2, 3).
  expect_error(ErrorCode::kInvalidArgument,
               [&] { pooler.add_tile(0, 0, 3, 4, window(0, 0), row_stride, plane_stride); });
  expect_error(ErrorCode::kInvalidArgument,
               [&] { pooler.add_tile(2, 3, 2, 2, window(2, 3), row_stride, plane_stride); });
  // Outside the map.
  expect_error(ErrorCode::kInvalidArgument,
               [&] { pooler.add_tile(-1, 5, 2, 2, map.data(), row_stride, plane_stride); });
  expect_error(ErrorCode::kInvalidArgument,
               [&] { pooler.add_tile(5, map_width - 1, 1, 2, map.data(), 2, 2); });
  expect_error(ErrorCode::kInvalidArgument,
               [&] { pooler.add_tile(map_height, 0, 1, 1, map.data(), 1, 1); });
  // Empty, null, bad strides, non-finite values.
  expect_error(ErrorCode::kInvalidArgument, [&] { pooler.add_tile(5, 5, 0, 1, map.data()); });
  expect_error(ErrorCode::kInvalidArgument, [&] { pooler.add_tile(5, 5, 1, 1, nullptr); });
  expect_error(ErrorCode::kInvalidArgument,
               [&] { pooler.add_tile(5, 5, 2, 3, map.data(), 2, 100); });
  expect_error(ErrorCode::kInvalidArgument, [&] { pooler.add_tile(5, 5, 2, 3, map.data(), 3, 5); });
  std::vector<float> poisoned(channels * 4, 1.0f);
  poisoned[channels * 4 - 1] = std::numeric_limits<float>::infinity();
  expect_error(ErrorCode::kInvalidArgument, [&] { pooler.add_tile(5, 5, 2, 2, poisoned.data()); });

  // The rejected tiles changed nothing: completing the map gives the right answer.
  for (int y0 = 0; y0 < map_height; ++y0) {
    for (int x0 = 0; x0 < map_width; ++x0) {
      if (y0 < 3 && x0 < 4) continue;
      pooler.add_tile(y0, x0, 1, 1, window(y0, x0), row_stride, plane_stride);
    }
  }
  ASSERT_TRUE(pooler.complete());
  const std::vector<float> features = pooler.features();
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_NEAR(features[k], expected[k], 1e-6 * std::max(1.0, std::abs(expected[k])));
  }
}

TEST(FeaturePoolerErrors, BadConstructionThrows) {
  const Segmentation segmentation = voronoi_segmentation(21, 17, 9, 1);
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(segmentation, 0, 1, 17, 21); });
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(segmentation, 4, 3, 5, 7); });
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(segmentation, 4, 2, 9, 10); });
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(segmentation, 4, 2, 8, 11); });
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(segmentation, 4, 4, 0, 0); });
  // A 3x3 image has no stride-4 map.
  const Segmentation tiny{3, 3, 1, std::vector<int32_t>(9, 0)};
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(tiny, 4, 4, 0, 0); });
  Segmentation bad_label = segmentation;
  bad_label.labels[5] = bad_label.count;
  expect_error(ErrorCode::kInvalidArgument, [&] { FeaturePooler(bad_label, 4, 1, 17, 21); });
}

// Statistics by their definition: two-pass float64 per superpixel.
struct BruteForceStats {
  std::vector<double> count, mean, cov;  // N, N x 5 (y/H, x/W, r, g, b), N x 9
};

BruteForceStats brute_force_stats(const RgbImage& image, const Segmentation& segmentation) {
  const int n = segmentation.count;
  BruteForceStats stats{std::vector<double>(n, 0.0), std::vector<double>(n * 5, 0.0),
                        std::vector<double>(n * 9, 0.0)};
  const auto v = [&](int y, int x, int k) -> double {
    const std::size_t p = std::size_t(y) * image.width + x;
    if (k == 0) return double(y) / image.height;
    if (k == 1) return double(x) / image.width;
    return image.rgb[3 * p + (k - 2)];
  };
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const int i = segmentation.labels[std::size_t(y) * image.width + x];
      stats.count[i] += 1;
      for (int k = 0; k < 5; ++k) stats.mean[i * 5 + k] += v(y, x, k);
    }
  }
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 5; ++k) stats.mean[i * 5 + k] /= stats.count[i];
  }
  const int pairs[9][2] = {{0, 0}, {0, 1}, {1, 1}, {2, 2}, {2, 3}, {2, 4}, {3, 3}, {3, 4}, {4, 4}};
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const int i = segmentation.labels[std::size_t(y) * image.width + x];
      for (int t = 0; t < 9; ++t) {
        const int a = pairs[t][0], b = pairs[t][1];
        stats.cov[i * 9 + t] +=
            (v(y, x, a) - stats.mean[i * 5 + a]) * (v(y, x, b) - stats.mean[i * 5 + b]);
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    for (int t = 0; t < 9; ++t) stats.cov[i * 9 + t] /= stats.count[i];
  }
  return stats;
}

TEST(SuperfeaturesStats, EqualBruteForceAndAreThreadCountIndependent) {
  const RgbImage image = test::smooth_image(83, 61, 9);
  const Segmentation segmentation = voronoi_segmentation(83, 61, 40, 3);
  const BruteForceStats expected = brute_force_stats(image, segmentation);
  const SuperpixelStats stats = superpixel_stats(image, segmentation, Context{1, nullptr});
  ASSERT_EQ(stats.count, segmentation.count);
  ASSERT_EQ(stats.pixel_count.size(), std::size_t(segmentation.count));
  for (int i = 0; i < segmentation.count; ++i) {
    EXPECT_EQ(double(stats.pixel_count[i]), expected.count[i]);
    for (int k = 0; k < 2; ++k) {
      EXPECT_NEAR(stats.mean_position[i * 2 + k], expected.mean[i * 5 + k], 1e-12);
    }
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(stats.mean_rgb[i * 3 + k], expected.mean[i * 5 + 2 + k], 1e-12);
    }
    for (int t = 0; t < 3; ++t) {
      EXPECT_NEAR(stats.cov_position[i * 3 + t], expected.cov[i * 9 + t], 1e-12);
    }
    for (int t = 0; t < 6; ++t) {
      EXPECT_NEAR(stats.cov_rgb[i * 6 + t], expected.cov[i * 9 + 3 + t], 1e-12);
    }
  }
  for (int threads : {2, 3}) {
    const SuperpixelStats other = superpixel_stats(image, segmentation, Context{threads, nullptr});
    EXPECT_EQ(other.pixel_count, stats.pixel_count);
    EXPECT_EQ(other.mean_position, stats.mean_position);
    EXPECT_EQ(other.mean_rgb, stats.mean_rgb);
    EXPECT_EQ(other.cov_position, stats.cov_position);
    EXPECT_EQ(other.cov_rgb, stats.cov_rgb);
  }
}

TEST(SuperfeaturesStats, LargeNearlyUniformSuperpixelIsAccurate) {
  // One superpixel over a whole 1000x700 image of colour 0.9 plus +-1e-4 noise: exact closed
  // forms for the position moments, and a tiny colour variance that a one-pass E[v^2]-E[v]^2
  // would lose to cancellation.
  const int width = 1000, height = 700;
  RgbImage image{width, height, std::vector<float>(3 * std::size_t(width) * height)};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> noise(-1e-4f, 1e-4f);
  for (float& value : image.rgb) value = 0.9f + noise(rng);
  const Segmentation segmentation{width, height, 1,
                                  std::vector<int32_t>(std::size_t(width) * height, 0)};
  const SuperpixelStats stats = superpixel_stats(image, segmentation, Context{2, nullptr});
  const BruteForceStats expected = brute_force_stats(image, segmentation);
  EXPECT_EQ(stats.pixel_count[0], int64_t(width) * height);
  EXPECT_NEAR(stats.mean_position[0], (height - 1) / 2.0 / height, 1e-14);
  EXPECT_NEAR(stats.mean_position[1], (width - 1) / 2.0 / width, 1e-14);
  EXPECT_NEAR(stats.cov_position[0], (double(height) * height - 1) / 12.0 / height / height, 1e-14);
  EXPECT_NEAR(stats.cov_position[1], 0.0, 1e-14);
  EXPECT_NEAR(stats.cov_position[2], (double(width) * width - 1) / 12.0 / width / width, 1e-14);
  for (int t = 0; t < 6; ++t) {
    EXPECT_NEAR(stats.cov_rgb[t], expected.cov[3 + t], 1e-6 * std::abs(expected.cov[3]) + 1e-18)
        << "term " << t;
  }
  // Variance of uniform(-1e-4, 1e-4) is 1e-8 / 3.
  EXPECT_NEAR(stats.cov_rgb[0], 1e-8 / 3, 1e-10);
}

TEST(SuperfeaturesStats, RejectsMismatchedInputs) {
  const RgbImage image = test::random_image(10, 8, 1);
  Segmentation segmentation{10, 8, 2, std::vector<int32_t>(80, 0)};
  segmentation.labels[3] = 1;
  Segmentation wrong_size{8, 10, 2, segmentation.labels};
  expect_error(ErrorCode::kInvalidArgument,
               [&] { superpixel_stats(image, wrong_size, Context{}); });
  Segmentation bad_label = segmentation;
  bad_label.labels[0] = -1;
  expect_error(ErrorCode::kInvalidArgument, [&] { superpixel_stats(image, bad_label, Context{}); });
  RgbImage nan_image = image;
  nan_image.rgb[7] = std::numeric_limits<float>::quiet_NaN();
  expect_error(ErrorCode::kInvalidArgument,
               [&] { superpixel_stats(nan_image, segmentation, Context{}); });
  std::atomic<bool> cancel{true};
  expect_error(ErrorCode::kCancelled, [&] {
    superpixel_stats(image, segmentation, Context{2, &cancel});
  });
}

TEST(SuperfeaturesCombine, NormalisesEachLayerAndConcatenates) {
  // Two superpixels; layer A has 2 channels, layer B 3. Superpixel 1's layer-B vector is zero.
  const std::vector<float> layer_a = {3, 4, 0, -2};
  const std::vector<float> layer_b = {1, 2, 2, 0, 0, 0};
  const std::vector<float> combined = combine_layers({layer_a, layer_b}, {2, 3}, 2);
  const std::vector<float> expected = {0.6f, 0.8f,  1 / 3.0f, 2 / 3.0f, 2 / 3.0f,
                                       0.0f, -1.0f, 0,        0,        0};
  ASSERT_EQ(combined.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR(combined[k], expected[k], 1e-7);
  // One layer passes through unchanged.
  EXPECT_EQ(combine_layers({layer_b}, {3}, 2), layer_b);
}

TEST(SuperfeaturesCombine, RejectsInconsistentSizes) {
  const std::vector<float> layer = {1, 2, 3, 4};
  expect_error(ErrorCode::kInvalidArgument, [&] { combine_layers({}, {}, 2); });
  expect_error(ErrorCode::kInvalidArgument, [&] { combine_layers({layer}, {2, 2}, 2); });
  expect_error(ErrorCode::kInvalidArgument, [&] { combine_layers({layer, layer}, {2, 3}, 2); });
  expect_error(ErrorCode::kInvalidArgument, [&] { combine_layers({layer}, {2}, 0); });
  expect_error(ErrorCode::kInvalidArgument, [&] { combine_layers({layer}, {0}, 2); });
}

}  // namespace
}  // namespace supercolor
