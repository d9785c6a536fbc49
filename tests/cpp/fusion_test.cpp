// Colour fusion (method.md §1.6, paper eq. 3-6): the fast float path against a plain float64
// evaluation of the definition, plus invariants and parameter validation.
#include "core/fusion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "fusion_reference.h"
#include "test_support.h"

namespace supercolor {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kTolerance = 0.5 / 255.0;  // method.md §1.6: within 0.5/255 of float64

// Voronoi label map of `count` distinct random seed pixels (every label is used: each seed's
// own pixel is nearest to it).
Segmentation voronoi_segmentation(int width, int height, int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::set<std::pair<int, int>> used;
  std::vector<std::pair<int, int>> seeds;
  while (static_cast<int>(seeds.size()) < count) {
    const std::pair<int, int> yx{static_cast<int>(rng() % height), static_cast<int>(rng() % width)};
    if (used.insert(yx).second) seeds.push_back(yx);
  }
  Segmentation segmentation{width, height, count,
                            std::vector<int32_t>(std::size_t(width) * height)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      long best = std::numeric_limits<long>::max();
      for (int i = 0; i < count; ++i) {
        const long dy = y - seeds[i].first, dx = x - seeds[i].second;
        if (dy * dy + dx * dx < best) {
          best = dy * dy + dx * dx;
          segmentation.labels[std::size_t(y) * width + x] = i;
        }
      }
    }
  }
  return segmentation;
}

// Population statistics of v(p) = [y/H, x/W, r, g, b] per superpixel, two-pass, double.
SuperpixelStats plain_stats(const RgbImage& image, const Segmentation& segmentation) {
  const int count = segmentation.count;
  SuperpixelStats stats;
  stats.count = count;
  stats.pixel_count.assign(count, 0);
  stats.mean_position.assign(2 * count, 0.0);
  stats.mean_rgb.assign(3 * count, 0.0);
  stats.cov_position.assign(3 * count, 0.0);
  stats.cov_rgb.assign(6 * count, 0.0);
  const auto features = [&](std::size_t p, double v[5]) {
    v[0] = double(p / image.width) / image.height;
    v[1] = double(p % image.width) / image.width;
    for (int c = 0; c < 3; ++c) v[2 + c] = image.rgb[3 * p + c];
  };
  for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
    const int i = segmentation.labels[p];
    double v[5];
    features(p, v);
    ++stats.pixel_count[i];
    for (int k = 0; k < 2; ++k) stats.mean_position[2 * i + k] += v[k];
    for (int k = 0; k < 3; ++k) stats.mean_rgb[3 * i + k] += v[2 + k];
  }
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < 2; ++k) stats.mean_position[2 * i + k] /= stats.pixel_count[i];
    for (int k = 0; k < 3; ++k) stats.mean_rgb[3 * i + k] /= stats.pixel_count[i];
  }
  for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
    const int i = segmentation.labels[p];
    double v[5];
    features(p, v);
    const double dy = v[0] - stats.mean_position[2 * i], dx = v[1] - stats.mean_position[2 * i + 1];
    stats.cov_position[3 * i] += dy * dy;
    stats.cov_position[3 * i + 1] += dy * dx;
    stats.cov_position[3 * i + 2] += dx * dx;
    const double dr = v[2] - stats.mean_rgb[3 * i], dg = v[3] - stats.mean_rgb[3 * i + 1],
                 db = v[4] - stats.mean_rgb[3 * i + 2];
    const double products[6] = {dr * dr, dr * dg, dr * db, dg * dg, dg * db, db * db};
    for (int k = 0; k < 6; ++k) stats.cov_rgb[6 * i + k] += products[k];
  }
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < 3; ++k) stats.cov_position[3 * i + k] /= stats.pixel_count[i];
    for (int k = 0; k < 6; ++k) stats.cov_rgb[6 * i + k] /= stats.pixel_count[i];
  }
  return stats;
}

std::vector<float> random_colors(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> colors(3 * std::size_t(count));
  for (float& value : colors) value = uniform(rng);
  return colors;
}

double max_abs_difference(const std::vector<float>& fast, const std::vector<double>& exact) {
  double worst = 0.0;
  for (std::size_t k = 0; k < fast.size(); ++k) {
    worst = std::max(worst, std::abs(double(fast[k]) - exact[k]));
  }
  return worst;
}

void expect_matches_brute_force(const RgbImage& image, const Segmentation& segmentation,
                                const std::vector<float>& colors) {
  const SuperpixelStats stats = plain_stats(image, segmentation);
  for (double radius : {0.3, kInfinity, 0.12}) {
    for (double sigma_g : {0.0, 0.5, 5.0}) {
      FusionParams params;
      params.radius = radius;
      params.sigma_g = sigma_g;
      SCOPED_TRACE("radius " + std::to_string(radius) + " sigma_g " + std::to_string(sigma_g));
      const RgbImage fast = fuse(image, segmentation, stats, colors.data(), params, Context{1});
      const std::vector<double> exact =
          reference::fuse_brute_force(image, segmentation, stats, colors.data(), params);
      ASSERT_EQ(fast.width, image.width);
      ASSERT_EQ(fast.height, image.height);
      EXPECT_LE(max_abs_difference(fast.rgb, exact), kTolerance);
    }
  }
}

TEST(Fusion, MatchesBruteForceOnSmoothImage) {
  const RgbImage image = test::smooth_image(64, 48, 7);
  const Segmentation segmentation = voronoi_segmentation(64, 48, 60, 11);
  expect_matches_brute_force(image, segmentation, random_colors(60, 3));
}

TEST(Fusion, MatchesBruteForceOnNoiseAndSmallSuperpixels) {
  // Noise: large colour covariances. 150 superpixels on 40x30: some of 1-3 pixels, with
  // singular position covariances (Sigma_i = eps I in those directions).
  const RgbImage image = test::random_image(40, 30, 5);
  const Segmentation segmentation = voronoi_segmentation(40, 30, 150, 13);
  expect_matches_brute_force(image, segmentation, random_colors(150, 4));
}

TEST(Fusion, MatchesBruteForceOnFlatAndGreyRegions) {
  // Flat regions (zero colour covariance) and grey ramps (rank-1 colour covariance: the
  // near-singular case where coefficients reach 1/eps).
  RgbImage image{48, 40, std::vector<float>(3 * 48 * 40)};
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 48; ++x) {
      float* rgb = &image.rgb[3 * (std::size_t(y) * 48 + x)];
      if (x < 16) {
        rgb[0] = 0.2f, rgb[1] = 0.5f, rgb[2] = 0.7f;
      } else if (x < 32) {
        rgb[0] = rgb[1] = rgb[2] = float(y) / 39.0f;
      } else {
        rgb[0] = float(x) / 47.0f, rgb[1] = 1.0f - rgb[0], rgb[2] = float(y % 5) / 4.0f;
      }
    }
  }
  const Segmentation segmentation = voronoi_segmentation(48, 40, 50, 17);
  expect_matches_brute_force(image, segmentation, random_colors(50, 5));
}

TEST(Fusion, ThreadCountDoesNotChangeResult) {
  const RgbImage image = test::smooth_image(160, 120, 21);
  const Segmentation segmentation = voronoi_segmentation(160, 120, 140, 22);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(140, 23);
  for (double sigma_g : {0.0, 2.0}) {
    FusionParams params;
    params.sigma_g = sigma_g;
    const RgbImage one = fuse(image, segmentation, stats, colors.data(), params, Context{1});
    const RgbImage two = fuse(image, segmentation, stats, colors.data(), params, Context{2});
    const RgbImage three = fuse(image, segmentation, stats, colors.data(), params, Context{3});
    EXPECT_EQ(0, std::memcmp(one.rgb.data(), two.rgb.data(), one.rgb.size() * sizeof(float)));
    EXPECT_EQ(0, std::memcmp(one.rgb.data(), three.rgb.data(), one.rgb.size() * sizeof(float)));
  }
}

TEST(Fusion, ConstantColoursGiveThatColourEverywhere) {
  const RgbImage image = test::smooth_image(64, 48, 31);
  const Segmentation segmentation = voronoi_segmentation(64, 48, 70, 32);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  std::vector<float> colors(3 * 70);
  for (int i = 0; i < 70; ++i) {
    colors[3 * i] = 0.25f, colors[3 * i + 1] = 0.625f, colors[3 * i + 2] = 0.9f;
  }
  for (double radius : {0.3, kInfinity}) {
    FusionParams params;
    params.radius = radius;
    const RgbImage fused = fuse(image, segmentation, stats, colors.data(), params, Context{2});
    for (std::size_t p = 0; p < image.pixel_count(); ++p) {
      for (int c = 0; c < 3; ++c) ASSERT_NEAR(fused.rgb[3 * p + c], colors[c], 1e-6f);
    }
  }
}

TEST(Fusion, TinyRadiusKeepsOwnSuperpixelColour) {
  // N(p) = {own superpixel} when no other centroid is that close: I_hat = c(own).
  const RgbImage image = test::smooth_image(64, 48, 41);
  const Segmentation segmentation = voronoi_segmentation(64, 48, 50, 42);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(50, 43);
  FusionParams params;
  params.radius = 1e-9;
  const RgbImage fused = fuse(image, segmentation, stats, colors.data(), params, Context{1});
  const RgbImage painted = paint_superpixels(segmentation, colors.data());
  for (std::size_t k = 0; k < fused.rgb.size(); ++k)
    ASSERT_NEAR(fused.rgb[k], painted.rgb[k], 1e-6f);
}

// Pruning on the edge. Stats built by hand so that every D is known: Sigma_i = eps I (zero
// covariances) and every centroid at the image centre (all superpixels are neighbours), so
// D_i(p) = (|pos(p) - centre|^2 + |rgb(p) - rgb_bar(i)|^2) / eps. The image is uniform grey,
// superpixel 0 has the grey as its mean (it is every pixel's nearest, D_0 = |pos - centre|^2 /
// eps, which varies over the image), and the others have means moved along r by offsets whose
// D - D_0 = offset^2 / eps sweep the whole range of the cut T sigma_g over the pixels -- so
// every pixel has neighbours just inside and just outside the cut -- with colours alternating
// 0 and 1 (the largest range, the largest effect of each left-out weight). The fast result must
// stay within the tolerance of the float64 definition anyway.
TEST(Fusion, PruningOnTheEdgeStaysWithinTolerance) {
  constexpr int kSide = 32, kOthers = 200;
  RgbImage image{kSide, kSide, std::vector<float>(3 * kSide * kSide, 0.5f)};
  Segmentation segmentation{kSide, kSide, kOthers + 1, std::vector<int32_t>(kSide * kSide, 0)};
  for (int k = 1; k <= kOthers; ++k) segmentation.labels[std::size_t(5 * k)] = k;  // 1 pixel each
  SuperpixelStats stats;
  stats.count = kOthers + 1;
  stats.pixel_count.assign(kOthers + 1, 1);
  stats.pixel_count[0] = kSide * kSide - kOthers;
  stats.mean_position.assign(2 * (kOthers + 1), 0.5);
  stats.mean_rgb.assign(3 * (kOthers + 1), 0.5);
  stats.cov_position.assign(3 * (kOthers + 1), 0.0);
  stats.cov_rgb.assign(6 * (kOthers + 1), 0.0);
  std::vector<float> colors(3 * (kOthers + 1), 0.5f);
  const double epsilon = FusionParams{}.epsilon;
  const double max_own = 0.5 / epsilon;  // largest D_0: a corner, |pos - centre|^2 = 0.5
  for (double sigma_g : {0.0, 2.0, 300.0}) {
    // The cut in D - D_min: T sigma_g with T ~ 10..20; for the adaptive sigma_g = D_0 + 1e-5.
    const double widest = 25.0 * (sigma_g > 0 ? sigma_g : max_own);
    for (int k = 1; k <= kOthers; ++k) {
      const double offset = std::sqrt(widest * epsilon * k / kOthers);
      stats.mean_rgb[3 * std::size_t(k)] = 0.5 + offset;
      for (int c = 0; c < 3; ++c) colors[3 * std::size_t(k) + c] = float(k % 2);
    }
    for (double radius : {0.3, kInfinity}) {
      FusionParams params;
      params.sigma_g = sigma_g;
      params.radius = radius;
      SCOPED_TRACE("sigma_g " + std::to_string(sigma_g) + " radius " + std::to_string(radius));
      const RgbImage fast = fuse(image, segmentation, stats, colors.data(), params, Context{2});
      const std::vector<double> exact =
          reference::fuse_brute_force(image, segmentation, stats, colors.data(), params);
      const double error = max_abs_difference(fast.rgb, exact);
      EXPECT_LE(error, kTolerance);
      // Not trivial: the other superpixels do move the result away from c(0) = 0.5.
      double moved = 0.0;
      for (double v : exact) moved = std::max(moved, std::abs(v - 0.5));
      EXPECT_GT(moved, 1e-3);
      std::printf("sigma_g %g radius %g: max error %.4f/255 (result moved up to %.3f)\n", sigma_g,
                  radius, error * 255.0, moved);
    }
  }
}

// Progress (Context::progress): fractions strictly inside (0, 1), increasing, all on the
// calling thread; the result is the same with or without it, whatever the thread count.
TEST(Fusion, ReportsProgressOnTheCallingThread) {
  // 400 superpixels: 25 chunks of 16.
  const RgbImage image = test::smooth_image(120, 80, 91);
  const Segmentation segmentation = voronoi_segmentation(120, 80, 400, 92);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(400, 93);
  const RgbImage silent =
      fuse(image, segmentation, stats, colors.data(), FusionParams{}, Context{1});
  for (int threads : {1, 3}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    std::vector<double> fractions;
    bool all_on_caller = true;
    const std::thread::id caller = std::this_thread::get_id();
    Context ctx{threads};
    ctx.progress = [&](double fraction) {
      fractions.push_back(fraction);  // only ever called on the caller: no lock needed
      all_on_caller = all_on_caller && std::this_thread::get_id() == caller;
    };
    const RgbImage fused = fuse(image, segmentation, stats, colors.data(), FusionParams{}, ctx);
    EXPECT_TRUE(all_on_caller);
    // One thread reports after each chunk; with more, the calling thread reports after the
    // chunks it ran itself, which a busy scheduler may leave to the workers entirely.
    if (threads == 1) {
      ASSERT_GT(fractions.size(), 2u);
    }
    for (std::size_t k = 0; k < fractions.size(); ++k) {
      EXPECT_GT(fractions[k], 0.0);
      EXPECT_LT(fractions[k], 1.0);
      if (k > 0) {
        EXPECT_GT(fractions[k], fractions[k - 1]);
      }
    }
    EXPECT_EQ(0,
              std::memcmp(fused.rgb.data(), silent.rgb.data(), fused.rgb.size() * sizeof(float)));
  }
}

// A progress function that throws stops the stage: the exception comes out of fuse() (after
// the workers have stopped), and the next call works normally.
TEST(Fusion, ThrowingProgressCancelsCleanly) {
  const RgbImage image = test::smooth_image(120, 80, 101);
  const Segmentation segmentation = voronoi_segmentation(120, 80, 400, 102);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(400, 103);
  for (int threads : {1, 2}) {
    int calls = 0;
    Context ctx{threads};
    ctx.progress = [&](double) {
      ++calls;
      throw Error(ErrorCode::kCancelled, "stopped by progress");
    };
    bool threw = false;
    try {
      fuse(image, segmentation, stats, colors.data(), FusionParams{}, ctx);
    } catch (const Error& error) {
      threw = true;
      EXPECT_EQ(error.code(), ErrorCode::kCancelled);
    }
    // The first call throws and stops the stage: never a second call. (With 2 threads the
    // workers may have run every chunk before the caller reports: then no call, no throw.)
    EXPECT_EQ(threw, calls == 1);
    EXPECT_LE(calls, 1);
    if (threads == 1) {
      EXPECT_TRUE(threw);
    }
  }
  const RgbImage after =
      fuse(image, segmentation, stats, colors.data(), FusionParams{}, Context{2});
  const RgbImage reference =
      fuse(image, segmentation, stats, colors.data(), FusionParams{}, Context{1});
  EXPECT_EQ(0,
            std::memcmp(after.rgb.data(), reference.rgb.data(), after.rgb.size() * sizeof(float)));
}

TEST(Fusion, PaintSuperpixels) {
  const Segmentation segmentation = voronoi_segmentation(30, 20, 12, 51);
  const std::vector<float> colors = random_colors(12, 52);
  const RgbImage painted = paint_superpixels(segmentation, colors.data());
  ASSERT_EQ(painted.width, 30);
  ASSERT_EQ(painted.height, 20);
  ASSERT_EQ(painted.rgb.size(), 3u * 30 * 20);
  for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(painted.rgb[3 * p + c], colors[3 * segmentation.labels[p] + c]);
    }
  }
}

template <typename Function>
void expect_invalid_argument(Function&& function) {
  try {
    function();
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument) << error.what();
    EXPECT_STRNE(error.what(), "");
  }
}

TEST(Fusion, RejectsBadParameters) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto with = [](auto change) {
    FusionParams params;
    change(params);
    return params;
  };
  std::vector<FusionParams> bad = {
      with([&](FusionParams& p) { p.delta_s = 0; }),
      with([&](FusionParams& p) { p.delta_s = -1; }),
      with([&](FusionParams& p) { p.delta_s = nan; }),
      with([&](FusionParams& p) { p.delta_s = kInfinity; }),
      with([&](FusionParams& p) { p.delta_c = 0; }),
      with([&](FusionParams& p) { p.delta_c = nan; }),
      with([&](FusionParams& p) { p.delta_c = -kInfinity; }),
      with([&](FusionParams& p) { p.epsilon = 0; }),
      with([&](FusionParams& p) { p.epsilon = -1e-4; }),
      with([&](FusionParams& p) { p.epsilon = nan; }),
      with([&](FusionParams& p) { p.epsilon = kInfinity; }),
      with([&](FusionParams& p) { p.sigma_g = -0.5; }),
      with([&](FusionParams& p) { p.sigma_g = nan; }),
      with([&](FusionParams& p) { p.sigma_g = kInfinity; }),
      with([&](FusionParams& p) { p.radius = 0; }),
      with([&](FusionParams& p) { p.radius = -0.3; }),
      with([&](FusionParams& p) { p.radius = nan; }),
      with([&](FusionParams& p) { p.radius = -kInfinity; }),
  };
  for (const FusionParams& params : bad) {
    expect_invalid_argument([&] { validate_fusion_params(params); });
  }
  EXPECT_NO_THROW(validate_fusion_params(FusionParams{}));
  EXPECT_NO_THROW(validate_fusion_params(with([](FusionParams& p) { p.radius = kInfinity; })));
  EXPECT_NO_THROW(validate_fusion_params(with([](FusionParams& p) { p.sigma_g = 3.0; })));

  // fuse() validates too.
  const RgbImage image = test::smooth_image(20, 16, 61);
  const Segmentation segmentation = voronoi_segmentation(20, 16, 8, 62);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(8, 63);
  // Only in builds with kDebugChecks: elsewhere the boundary (validate_params) is what checks.
  if (kDebugChecks) {
    expect_invalid_argument([&] {
      fuse(image, segmentation, stats, colors.data(),
           with([&](FusionParams& p) { p.radius = nan; }), Context{1});
    });
  }
}

TEST(Fusion, RejectsMismatchedInputs) {
  const RgbImage image = test::smooth_image(20, 16, 71);
  const Segmentation segmentation = voronoi_segmentation(20, 16, 8, 72);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(8, 73);
  const FusionParams params;
  const Context ctx{1};
  EXPECT_NO_THROW(fuse(image, segmentation, stats, colors.data(), params, ctx));

  expect_invalid_argument([&] { fuse(image, segmentation, stats, nullptr, params, ctx); });
  expect_invalid_argument([&] { paint_superpixels(segmentation, nullptr); });
  // Image and segmentation of different sizes.
  const RgbImage other_image = test::smooth_image(16, 20, 74);
  expect_invalid_argument(
      [&] { fuse(other_image, segmentation, stats, colors.data(), params, ctx); });
  // Stats of another segmentation.
  const Segmentation other_segmentation = voronoi_segmentation(20, 16, 8, 75);
  expect_invalid_argument(
      [&] { fuse(image, other_segmentation, stats, colors.data(), params, ctx); });
  // Stats with the wrong count / truncated arrays.
  SuperpixelStats short_stats = stats;
  short_stats.count = 7;
  expect_invalid_argument(
      [&] { fuse(image, segmentation, short_stats, colors.data(), params, ctx); });
  SuperpixelStats truncated = stats;
  truncated.cov_rgb.resize(6 * 7);
  expect_invalid_argument(
      [&] { fuse(image, segmentation, truncated, colors.data(), params, ctx); });
  // Broken image buffer / segmentation labels / non-finite colours.
  RgbImage broken_image = image;
  broken_image.rgb.pop_back();
  expect_invalid_argument(
      [&] { fuse(broken_image, segmentation, stats, colors.data(), params, ctx); });
  Segmentation broken_segmentation = segmentation;
  broken_segmentation.labels[5] = 8;
  expect_invalid_argument(
      [&] { fuse(image, broken_segmentation, stats, colors.data(), params, ctx); });
  std::vector<float> nan_colors = colors;
  nan_colors[4] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid_argument(
      [&] { fuse(image, segmentation, stats, nan_colors.data(), params, ctx); });
}

TEST(Fusion, HonoursCancellation) {
  const RgbImage image = test::smooth_image(40, 30, 81);
  const Segmentation segmentation = voronoi_segmentation(40, 30, 20, 82);
  const SuperpixelStats stats = plain_stats(image, segmentation);
  const std::vector<float> colors = random_colors(20, 83);
  std::atomic<bool> cancel{true};
  try {
    fuse(image, segmentation, stats, colors.data(), FusionParams{}, Context{2, &cancel});
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kCancelled);
  }
}

}  // namespace
}  // namespace supercolor
