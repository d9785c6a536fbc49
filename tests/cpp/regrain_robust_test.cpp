// Robust regrain (issue 9): one test per regrain fault of Pitie's scheme, each on inputs built
// here from the dev pairs (read from ../shared at test time, nothing derived is stored), with the
// fused image produced by the native method itself (reference VGG-19 features) on small images,
// and Pitie's regrain run on the same inputs to show that each check catches its fault; plus
// exact properties of the solver (grey in -> grey out, fixed point, thread count, errors).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/pipeline.h"
#include "core/regrain.h"
#include "native_pipeline.h"
#include "test_support.h"

namespace supercolor {
namespace {

const reference::Vgg19Reference& vgg() {
  static const reference::Vgg19Reference instance;
  return instance;
}

// The method up to fusion (regrain off), as the pipeline runs it.
RgbImage fused_image(const RgbImage& target, const RgbImage& reference) {
  Params params;
  params.threads = 2;
  params.regrain_mode = RegrainMode::kNone;
  Pipeline pipeline(params, target, reference);
  reference::run_pipeline(pipeline, vgg(), nullptr);
  return pipeline.fused();
}

// What the pipeline ships: clamped to [0,1], then 8-bit.
std::vector<int> to_levels(const RgbImage& image) {
  std::vector<int> levels(image.rgb.size());
  for (std::size_t k = 0; k < levels.size(); ++k) {
    levels[k] = int(std::lround(255.0f * std::clamp(image.rgb[k], 0.0f, 1.0f)));
  }
  return levels;
}

// max over pixels of max(R,G,B) - min(R,G,B), in 8-bit levels.
int max_chroma_levels(const RgbImage& image) {
  const std::vector<int> levels = to_levels(image);
  int worst = 0;
  for (std::size_t p = 0; p < image.pixel_count(); ++p) {
    const int* rgb = &levels[3 * p];
    worst =
        std::max(worst, std::max({rgb[0], rgb[1], rgb[2]}) - std::min({rgb[0], rgb[1], rgb[2]}));
  }
  return worst;
}

// Fraction of pixels that are pure black (0,0,0) in 8 bits.
double black_fraction(const RgbImage& image) {
  const std::vector<int> levels = to_levels(image);
  std::size_t black = 0;
  for (std::size_t p = 0; p < image.pixel_count(); ++p) {
    black += levels[3 * p] == 0 && levels[3 * p + 1] == 0 && levels[3 * p + 2] == 0;
  }
  return double(black) / double(image.pixel_count());
}

// mean |a - b| over all samples.
double mean_abs_difference(const RgbImage& a, const RgbImage& b) {
  double sum = 0.0;
  for (std::size_t k = 0; k < a.rgb.size(); ++k) sum += std::abs(double(a.rgb[k]) - b.rgb[k]);
  return sum / double(a.rgb.size());
}

RgbImage flat_image(int width, int height, float value) {
  return RgbImage{width, height, std::vector<float>(3 * std::size_t(width) * height, value)};
}

// A small version of a dev pair's image.
RgbImage small_pair_image(const std::string& pair, const std::string& which, int width,
                          int height) {
  return test::resize(test::load_pair_image(test::pair_dir(pair), which), width, height);
}

const char* const kPairs[] = {"01_pitie_scotland", "07_kodak_kodim16_kodim12_island_beach",
                              "14_kodak_kodim01_kodim08_buildings"};

std::string pair_name(const std::string& dir) { return dir.substr(dir.rfind('/') + 1); }

// Fault 2: a grey reference gives a grey fused image; the result must stay grey:
// max(R,G,B) - min(R,G,B) <= 2 levels everywhere.
TEST(RegrainRobust, GreyReferenceGivesGreyResult) {
  for (const char* pair : kPairs) {
    SCOPED_TRACE(pair);
    const RgbImage target = small_pair_image(pair, "target", 192, 128);
    RgbImage reference = small_pair_image(pair, "reference", 192, 128);
    // 8-bit grey (Rec. 601 luma), as an image editor's "convert to greyscale" writes it.
    for (std::size_t p = 0; p < reference.pixel_count(); ++p) {
      float* rgb = &reference.rgb[3 * p];
      const float grey =
          std::round(255.0f * (0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2])) / 255.0f;
      rgb[0] = rgb[1] = rgb[2] = grey;
    }
    const RgbImage fused = fused_image(target, reference);
    ASSERT_EQ(max_chroma_levels(fused), 0);
    EXPECT_LE(max_chroma_levels(regrain_robust(target, fused, RegrainParams{}, Context{2})), 2);
    // The fault: Pitie's regrain brings the target's colour edges back.
    EXPECT_GT(max_chroma_levels(regrain(target, fused, RegrainParams{}, Context{2})), 10);
  }
}

// Fault 3, flat target: the result is one flat colour, the matched one (the fused image's mean:
// fusion itself is not flat here, its superpixels at the borders see zero-padded features and
// the fused image spans up to 150 levels). Measured: spread 1-3 levels, mean within 3.7 levels.
TEST(RegrainRobust, FlatTargetTakesTheMatchedColour) {
  for (const char* pair : kPairs) {
    SCOPED_TRACE(pair);
    const RgbImage target = flat_image(96, 64, 128.0f / 255.0f);
    const RgbImage reference = small_pair_image(pair, "reference", 192, 128);
    const RgbImage fused = fused_image(target, reference);
    const RgbImage robust = regrain_robust(target, fused, RegrainParams{}, Context{2});
    const std::vector<int> levels = to_levels(robust);
    double largest_move = 0.0;
    for (int c = 0; c < 3; ++c) {
      int lo = 255, hi = 0;
      double mean = 0.0, fused_mean = 0.0;
      for (std::size_t p = 0; p < robust.pixel_count(); ++p) {
        lo = std::min(lo, levels[3 * p + c]);
        hi = std::max(hi, levels[3 * p + c]);
        mean += 255.0 * robust.rgb[3 * p + c];
        fused_mean += 255.0 * fused.rgb[3 * p + c];
      }
      mean /= robust.pixel_count();
      fused_mean /= robust.pixel_count();
      EXPECT_LE(hi - lo, 3) << "channel " << c;               // one flat colour
      EXPECT_NEAR(mean, fused_mean, 4.0) << "channel " << c;  // the matched colour
      largest_move = std::max(largest_move, std::abs(mean - 128.0));
    }
    EXPECT_GT(largest_move, 10.0);  // not the input
    // The fault: Pitie's regrain returns the flat target unchanged.
    EXPECT_LT(mean_abs_difference(regrain(target, fused, RegrainParams{}, Context{2}), target),
              1e-4);
  }
}

// Fault 3, a photo on a flat background: the background takes one consistent colour, with no
// halo: near the photo (2-8 px away) it has the colour it has far from it (>= 24 px away).
// Measured on these pairs: spread 12-15 levels (fused image: 90-121), near-far difference
// 1.0-3.2 levels (Pitie: 1.5-11.4, fused image: 0.6-47).
TEST(RegrainRobust, PhotoOnFlatBackgroundHasNoHalo) {
  double worst_pitie_halo = 0.0;
  for (const char* pair : kPairs) {
    SCOPED_TRACE(pair);
    const int width = 192, height = 128, inset_x = 48, inset_y = 32, inset_w = 96, inset_h = 64;
    RgbImage target = flat_image(width, height, 128.0f / 255.0f);
    const RgbImage photo = small_pair_image(pair, "target", inset_w, inset_h);
    for (int y = 0; y < inset_h; ++y) {
      std::copy_n(&photo.rgb[3 * std::size_t(y) * inset_w], 3 * inset_w,
                  &target.rgb[3 * (std::size_t(y + inset_y) * width + inset_x)]);
    }
    const RgbImage reference = small_pair_image(pair, "reference", 192, 128);
    const RgbImage fused = fused_image(target, reference);
    // Chebyshev distance of a pixel from the photo (0 inside).
    const auto distance = [&](int x, int y) {
      const int dx = std::max({inset_x - x, x - (inset_x + inset_w - 1), 0});
      const int dy = std::max({inset_y - y, y - (inset_y + inset_h - 1), 0});
      return std::max(dx, dy);
    };
    // Spread (max - min, levels) over the background beyond the 1-px ring at the edge, and the
    // largest per-channel difference of mean colours near (2..8 px) and far (>= 24 px).
    const auto measure = [&](const RgbImage& image, int* spread, double* near_far) {
      const std::vector<int> levels = to_levels(image);
      *spread = 0;
      *near_far = 0.0;
      for (int c = 0; c < 3; ++c) {
        int lo = 255, hi = 0;
        double near_sum = 0.0, far_sum = 0.0;
        int near_count = 0, far_count = 0;
        for (int y = 0; y < height; ++y) {
          for (int x = 0; x < width; ++x) {
            const int d = distance(x, y);
            if (d < 2) continue;
            const std::size_t k = 3 * (std::size_t(y) * width + x) + c;
            lo = std::min(lo, levels[k]);
            hi = std::max(hi, levels[k]);
            if (d <= 8) near_sum += levels[k], ++near_count;
            if (d >= 24) far_sum += levels[k], ++far_count;
          }
        }
        *spread = std::max(*spread, hi - lo);
        *near_far = std::max(*near_far, std::abs(near_sum / near_count - far_sum / far_count));
      }
    };
    int robust_spread = 0, pitie_spread = 0, fused_spread = 0;
    double robust_halo = 0.0, pitie_halo = 0.0, fused_halo = 0.0;
    measure(regrain_robust(target, fused, RegrainParams{}, Context{2}), &robust_spread,
            &robust_halo);
    measure(regrain(target, fused, RegrainParams{}, Context{2}), &pitie_spread, &pitie_halo);
    measure(fused, &fused_spread, &fused_halo);
    EXPECT_LE(robust_spread, 16) << "fused image: " << fused_spread;
    EXPECT_LE(robust_halo, 4.0) << "fused image: " << fused_halo;
    worst_pitie_halo = std::max(worst_pitie_halo, pitie_halo);
  }
  EXPECT_GT(worst_pitie_halo, 6.0);  // the fault
}

// Fault 4: thumbnails keep the colour shift that fusion produced. Kept shift =
// mean |B(result) - B(target)| / mean |B(fused) - B(target)|, B a box blur of radius h/16:
// without B the ratio also counts the target detail that regrain restores (and that a
// full-size result, downscaled, has too) as lost shift; unblurred, robust keeps 0.43-0.94 of it
// on the dev pairs at 60x40 and 96x64 (low where the reference's colours are close to the
// target's), Pitie 0.06-0.53.
TEST(RegrainRobust, SmallTargetsKeepTheFusedShift) {
  for (const std::string& dir : test::pair_dirs()) {
    const std::string pair = pair_name(dir);
    for (const auto& [width, height] : {std::pair{60, 40}, std::pair{96, 64}}) {
      SCOPED_TRACE(pair + " " + std::to_string(width) + "x" + std::to_string(height));
      const RgbImage target = small_pair_image(pair, "target", width, height);
      const RgbImage reference = small_pair_image(pair, "reference", width, height);
      const RgbImage fused = fused_image(target, reference);
      const int radius = height / 16;
      const RgbImage blurred_target = test::box_blur(target, radius);
      const double fused_shift = mean_abs_difference(test::box_blur(fused, radius), blurred_target);
      const auto kept = [&](const RgbImage& result) {
        return mean_abs_difference(test::box_blur(result, radius), blurred_target) / fused_shift;
      };
      EXPECT_GE(kept(regrain_robust(target, fused, RegrainParams{}, Context{2})), 0.8);
      if (width == 60) {  // the fault: one level, 4 sweeps from the target
        EXPECT_LT(kept(regrain(target, fused, RegrainParams{}, Context{2})), 0.2);
      }
    }
  }
}

// Fault 5: a dark (low-key) reference must not crush the shadows: < 1 % pure-black pixels when
// the fused image has none.
TEST(RegrainRobust, DarkReferenceDoesNotCrushShadows) {
  double worst_pitie = 0.0;
  for (const char* pair : kPairs) {
    SCOPED_TRACE(pair);
    const RgbImage target = small_pair_image(pair, "target", 192, 128);
    RgbImage reference = small_pair_image(pair, "reference", 192, 128);
    for (float& value : reference.rgb) value *= 0.15f;
    const RgbImage fused = fused_image(target, reference);
    ASSERT_EQ(black_fraction(fused), 0.0);
    EXPECT_LT(black_fraction(regrain_robust(target, fused, RegrainParams{}, Context{2})), 0.01);
    worst_pitie =
        std::max(worst_pitie, black_fraction(regrain(target, fused, RegrainParams{}, Context{2})));
  }
  EXPECT_GT(worst_pitie, 0.05);  // the fault
}

// ---- Exact properties of the solver, on synthetic images ----

TEST(RegrainRobust, GreyFusedGivesExactlyGrey) {
  const RgbImage target = test::smooth_image(83, 61, 4);  // colourful
  RgbImage fused = test::smooth_image(83, 61, 5);
  for (std::size_t p = 0; p < fused.pixel_count(); ++p) {
    float* rgb = &fused.rgb[3 * p];
    rgb[0] = rgb[1] = rgb[2] = (rgb[0] + rgb[1] + rgb[2]) / 3.0f;
  }
  const RgbImage result = regrain_robust(target, fused, RegrainParams{}, Context{2});
  for (std::size_t p = 0; p < result.pixel_count(); ++p) {
    ASSERT_EQ(result.rgb[3 * p], result.rgb[3 * p + 1]) << "pixel " << p;
    ASSERT_EQ(result.rgb[3 * p], result.rgb[3 * p + 2]) << "pixel " << p;
  }
}

TEST(RegrainRobust, FlatFusedOnFlatTargetIsAFixedPoint) {
  // Nothing to add: no target detail, and I1 itself satisfies the data term.
  const RgbImage target = flat_image(70, 50, 0.3f);
  RgbImage fused = flat_image(70, 50, 0.0f);
  for (std::size_t p = 0; p < fused.pixel_count(); ++p) {
    fused.rgb[3 * p] = 0.6f, fused.rgb[3 * p + 1] = 0.25f, fused.rgb[3 * p + 2] = 0.4f;
  }
  const RgbImage result = regrain_robust(target, fused, RegrainParams{}, Context{2});
  for (std::size_t k = 0; k < result.rgb.size(); ++k) {
    ASSERT_NEAR(result.rgb[k], fused.rgb[k], 1e-5f) << "at " << k;
  }
}

TEST(RegrainRobust, KeepsTargetDetailOnAShiftedImage) {
  // What fusion gives, roughly: the target recoloured (here 0.1 + 0.8 I0) and blurred. Regrain
  // brings the detail back: the result is much closer to the sharp recoloured image than the
  // blurred one was.
  const RgbImage target = test::smooth_image(128, 96, 8);
  RgbImage fused = target;
  for (std::size_t p = 0; p < fused.pixel_count(); ++p) {
    for (int c = 0; c < 3; ++c) fused.rgb[3 * p + c] = 0.1f + 0.8f * target.rgb[3 * p + c];
  }
  RgbImage blurred = test::box_blur(fused, 3);
  const RgbImage result = regrain_robust(target, blurred, RegrainParams{}, Context{2});
  // The result is closer to the sharp fused image than the blurred input was.
  EXPECT_LT(mean_abs_difference(result, fused), 0.6 * mean_abs_difference(blurred, fused));
}

TEST(RegrainRobust, ThreadCountDoesNotChangeResult) {
  // Large enough for parallel levels (>= 2^15 px) and several chunks.
  const RgbImage target = test::smooth_image(300, 220, 13);
  RgbImage fused = test::box_blur(target, 3);
  for (float& value : fused.rgb) value = 0.2f + 0.7f * value;
  const RgbImage one = regrain_robust(target, fused, RegrainParams{}, Context{1});
  const RgbImage two = regrain_robust(target, fused, RegrainParams{}, Context{2});
  const RgbImage three = regrain_robust(target, fused, RegrainParams{}, Context{3});
  EXPECT_EQ(0, std::memcmp(one.rgb.data(), two.rgb.data(), one.rgb.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(one.rgb.data(), three.rgb.data(), one.rgb.size() * sizeof(float)));
}

TEST(RegrainRobust, TinyAndThinImages) {
  for (const auto& [width, height] : {std::pair{1, 1}, std::pair{1, 9}, std::pair{7, 1},
                                      std::pair{3, 2}, std::pair{400, 3}, std::pair{15, 17}}) {
    SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
    const RgbImage target = test::smooth_image(width, height, 2);
    const RgbImage fused = test::smooth_image(width, height, 3);
    const RgbImage result = regrain_robust(target, fused, RegrainParams{}, Context{2});
    ASSERT_EQ(result.width, width);
    ASSERT_EQ(result.height, height);
    for (float value : result.rgb) ASSERT_TRUE(std::isfinite(value));
  }
}

template <typename Function>
void expect_error(ErrorCode code, Function&& function) {
  try {
    function();
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
  }
}

TEST(RegrainRobust, RejectsBadInputAndHonoursCancellation) {
  const RgbImage image = test::smooth_image(30, 20, 3);
  RegrainParams bad;
  bad.iterations = {};
  expect_error(ErrorCode::kInvalidArgument, [&] { validate_regrain_params(bad); });
  if (kDebugChecks) {  // elsewhere the boundary (validate_params) is what checks parameters
    expect_error(ErrorCode::kInvalidArgument,
                 [&] { regrain_robust(image, image, bad, Context{1}); });
  }
  const RgbImage other = test::smooth_image(20, 30, 4);
  expect_error(ErrorCode::kInvalidArgument,
               [&] { regrain_robust(image, other, RegrainParams{}, Context{1}); });
  RgbImage with_nan = image;
  with_nan.rgb[7] = std::numeric_limits<float>::quiet_NaN();
  expect_error(ErrorCode::kInvalidArgument,
               [&] { regrain_robust(image, with_nan, RegrainParams{}, Context{1}); });
  std::atomic<bool> cancel{true};
  expect_error(ErrorCode::kCancelled, [&] {
    regrain_robust(image, image, RegrainParams{}, Context{2, &cancel});
  });
}

TEST(RegrainMode, NamesAndDispatch) {
  for (RegrainMode mode : {RegrainMode::kRobust, RegrainMode::kPitie, RegrainMode::kNone}) {
    EXPECT_EQ(parse_regrain_mode(regrain_mode_name(mode)), mode);
  }
  expect_error(ErrorCode::kInvalidArgument, [] { parse_regrain_mode("Pitie"); });
  const RgbImage target = test::smooth_image(40, 30, 1);
  const RgbImage fused = test::smooth_image(40, 30, 2);
  const Context ctx{1};
  const auto same = [](const RgbImage& a, const RgbImage& b) {
    return a.rgb.size() == b.rgb.size() &&
           std::memcmp(a.rgb.data(), b.rgb.data(), a.rgb.size() * sizeof(float)) == 0;
  };
  EXPECT_TRUE(same(regrain_with_mode(RegrainMode::kNone, target, fused, {}, ctx), fused));
  EXPECT_TRUE(same(regrain_with_mode(RegrainMode::kPitie, target, fused, {}, ctx),
                   regrain(target, fused, {}, ctx)));
  EXPECT_TRUE(same(regrain_with_mode(RegrainMode::kRobust, target, fused, {}, ctx),
                   regrain_robust(target, fused, {}, ctx)));
}

}  // namespace
}  // namespace supercolor
