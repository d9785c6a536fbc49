// Grading controls: strength (CIELab blend, exact end points, monotone) and keep-luminance
// (target L* within 0.5 after 8-bit rounding, chroma from the result, gamut mapped at fixed L*).

#include "core/grading.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/colorspace.h"
#include "core/error.h"
#include "core/pipeline.h"
#include "io/image_io.h"
#include "native_pipeline.h"
#include "test_support.h"

namespace supercolor {
namespace {

std::vector<float> lab_of(const RgbImage& image) {
  std::vector<float> lab(image.rgb.size());
  srgb_to_lab(image.rgb.data(), lab.data(), image.pixel_count());
  return lab;
}

// What an encoder writes: 8-bit rounding (io's to_rgba8), read back as floats.
RgbImage eight_bit(const RgbImage& image) { return to_rgb(to_rgba8(image)); }

// A real transfer on a small version of a dev pair: (target, result).
std::pair<RgbImage, RgbImage> small_transfer(const std::string& pair, int width) {
  const std::string dir = test::pair_dir(pair);
  const RgbImage full_target = test::load_pair_image(dir, "target");
  const RgbImage full_reference = test::load_pair_image(dir, "reference");
  const RgbImage target = eight_bit(test::resize(
      full_target, width, std::max(1, width * full_target.height / full_target.width)));
  const RgbImage reference = test::resize(
      full_reference, width, std::max(1, width * full_reference.height / full_reference.width));
  Params params;
  params.threads = 2;
  Pipeline pipeline(params, target, reference);
  const reference::Vgg19Reference vgg;
  reference::run_pipeline(pipeline, vgg, nullptr);
  return {target, pipeline.result()};
}

const std::pair<RgbImage, RgbImage>& scotland() {
  static const auto pair = small_transfer("01_pitie_scotland", 160);
  return pair;
}

TEST(Grading, StrengthZeroIsTheTargetAndOneIsTheResultBitForBit) {
  const auto& [target, result] = scotland();
  const Context ctx{2, nullptr};
  GradingParams params;
  params.strength = 0.0;
  EXPECT_EQ(apply_grading(target, result, params, ctx).rgb, target.rgb);
  params.preserve_luminance = true;
  EXPECT_EQ(apply_grading(target, result, params, ctx).rgb, target.rgb);
  params.strength = 1.0;
  params.preserve_luminance = false;
  EXPECT_EQ(apply_grading(target, result, params, ctx).rgb, result.rgb);
  // And the result really differs from the target, so the two checks above are distinct.
  EXPECT_NE(target.rgb, result.rgb);
}

TEST(Grading, LabDistanceToTheTargetGrowsWithStrength) {
  const auto& [target, result] = scotland();
  const Context ctx{2, nullptr};
  const std::vector<float> lab_target = lab_of(target), lab_result = lab_of(result);
  const std::size_t n = target.pixel_count();
  std::vector<double> previous(n, 0.0);
  double mean_full = 0;
  for (std::size_t p = 0; p < n; ++p) {
    double d = 0;
    for (int c = 0; c < 3; ++c) d += std::pow(lab_result[3 * p + c] - lab_target[3 * p + c], 2);
    mean_full += std::sqrt(d) / n;
  }
  for (int step = 1; step <= 10; ++step) {
    GradingParams params;
    params.strength = step / 10.0;
    const std::vector<float> lab_out = lab_of(apply_grading(target, result, params, ctx));
    double mean = 0;
    std::size_t decreases = 0;
    for (std::size_t p = 0; p < n; ++p) {
      double d = 0;
      for (int c = 0; c < 3; ++c) d += std::pow(lab_out[3 * p + c] - lab_target[3 * p + c], 2);
      d = std::sqrt(d);
      // Float round trips through Lab move values by ~1e-3 Lab units at most.
      if (d < previous[p] - 2e-3) ++decreases;
      previous[p] = d;
      mean += d / n;
    }
    EXPECT_EQ(decreases, 0u) << "strength " << params.strength;
    // Linear in strength (a blend in Lab), up to the few gamut-mapped pixels.
    EXPECT_NEAR(mean, params.strength * mean_full, 0.02 * mean_full) << params.strength;
  }
}

TEST(Grading, PreserveLuminanceKeepsTargetLightnessAfterEightBitRounding) {
  const auto& [target, result] = scotland();
  const Context ctx{2, nullptr};
  GradingParams params;
  params.preserve_luminance = true;
  const RgbImage out = eight_bit(apply_grading(target, result, params, ctx));
  const std::vector<float> lab_out = lab_of(out), lab_target = lab_of(target),
                           lab_result = lab_of(result);
  double max_dl = 0, chroma_to_result = 0, chroma_target_to_result = 0;
  for (std::size_t p = 0; p < out.pixel_count(); ++p) {
    max_dl = std::max(max_dl, double(std::abs(lab_out[3 * p] - lab_target[3 * p])));
    chroma_to_result += std::hypot(lab_out[3 * p + 1] - lab_result[3 * p + 1],
                                   lab_out[3 * p + 2] - lab_result[3 * p + 2]);
    chroma_target_to_result += std::hypot(lab_target[3 * p + 1] - lab_result[3 * p + 1],
                                          lab_target[3 * p + 2] - lab_result[3 * p + 2]);
  }
  EXPECT_LE(max_dl, 0.5);
  // The colours are the result's: a*b* much closer to the result than the target's are.
  EXPECT_LT(chroma_to_result, 0.2 * chroma_target_to_result);
}

TEST(Grading, OutOfGamutChromaIsReducedAtFixedLightness) {
  // Dark and light greys (target) given the chroma of saturated primaries (result): most of
  // these (L*, a*, b*) are outside sRGB. Clamping channels would change L*; the gamut mapping
  // must keep it.
  RgbImage target{0, 1, {}}, result{0, 1, {}};
  const float levels[] = {0.02f, 0.08f, 0.2f, 0.5f, 0.8f, 0.95f};
  const float primaries[][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {0, 1, 1}, {1, 0, 1}};
  for (float level : levels) {
    for (const auto& primary : primaries) {
      target.rgb.insert(target.rgb.end(), {level, level, level});
      result.rgb.insert(result.rgb.end(), {primary[0], primary[1], primary[2]});
      ++target.width;
      ++result.width;
    }
  }
  target = eight_bit(target);
  const Context ctx{1, nullptr};
  GradingParams params;
  params.preserve_luminance = true;
  const RgbImage out = eight_bit(apply_grading(target, result, params, ctx));
  const std::vector<float> lab_out = lab_of(out), lab_target = lab_of(target);

  // Naive alternative, to show the case is hard: (L_T, a_R, b_R) converted and clamped.
  std::vector<float> naive_lab = lab_target;
  const std::vector<float> lab_result = lab_of(result);
  for (std::size_t p = 0; p < out.pixel_count(); ++p) {
    naive_lab[3 * p + 1] = lab_result[3 * p + 1];
    naive_lab[3 * p + 2] = lab_result[3 * p + 2];
  }
  RgbImage naive = target;
  lab_to_srgb(naive_lab.data(), naive.rgb.data(), naive.pixel_count());
  const std::vector<float> lab_naive = lab_of(eight_bit(naive));

  double max_dl = 0, max_dl_naive = 0, min_chroma = 1e9;
  for (std::size_t p = 0; p < out.pixel_count(); ++p) {
    max_dl = std::max(max_dl, double(std::abs(lab_out[3 * p] - lab_target[3 * p])));
    max_dl_naive = std::max(max_dl_naive, double(std::abs(lab_naive[3 * p] - lab_target[3 * p])));
    min_chroma = std::min(min_chroma, std::hypot(double(lab_out[3 * p + 1]), lab_out[3 * p + 2]));
  }
  EXPECT_LE(max_dl, 0.5);
  EXPECT_GT(max_dl_naive, 5.0) << "the naive clamp should visibly change L* here";
  EXPECT_GT(min_chroma, 1.0) << "every pixel keeps some of the result's colour";
}

TEST(Grading, SameOutputForAnyThreadCount) {
  const auto& [target, result] = scotland();
  GradingParams params;
  params.strength = 0.6;
  params.preserve_luminance = true;
  EXPECT_EQ(apply_grading(target, result, params, Context{1, nullptr}).rgb,
            apply_grading(target, result, params, Context{2, nullptr}).rgb);
}

TEST(Grading, BadParametersAreInvalidArgument) {
  const RgbImage image = test::random_image(8, 8, 1);
  const Context ctx{1, nullptr};
  for (double strength : {-0.1, 1.5, double(NAN), double(INFINITY)}) {
    GradingParams params;
    params.strength = strength;
    try {
      // The rule (validate_params calls it at the boundary); apply_grading re-checks it only
      // in builds with kDebugChecks (the sanitizer presets).
      if (kDebugChecks) {
        apply_grading(image, image, params, ctx);
      } else {
        validate_grading_params(params);
      }
      ADD_FAILURE() << "no error for strength " << strength;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("strength"), std::string::npos) << e.what();
    }
  }
  const RgbImage other = test::random_image(8, 9, 1);
  try {
    apply_grading(image, other, GradingParams{}, ctx);
    ADD_FAILURE() << "no error for mismatched sizes";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace supercolor
