// Re-graining (method.md §1.7): the float32 multiscale solver against a plain float64
// transcription of Pitie's scheme, plus its intended effect and parameter validation.
#include "core/regrain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "test_support.h"

namespace supercolor {
namespace {

// ---- A plain transcription of regrain.m / its Python port, float64, naive loops ----

struct Image64 {
  int width = 0;
  int height = 0;
  std::vector<double> values;  // interleaved rgb

  Image64(int w, int h) : width(w), height(h), values(3 * std::size_t(w) * h, 0.0) {}
  explicit Image64(const RgbImage& image)
      : width(image.width), height(image.height), values(image.rgb.begin(), image.rgb.end()) {}
  // Replicated borders: indices are clamped.
  double clamped(int y, int x, int c) const {
    y = std::clamp(y, 0, height - 1);
    x = std::clamp(x, 0, width - 1);
    return values[3 * (std::size_t(y) * width + x) + c];
  }
  double& at(int y, int x, int c) { return values[3 * (std::size_t(y) * width + x) + c]; }
};

// cv2.resize(..., INTER_LINEAR): half-pixel centres, src = (dst + 0.5) * scale - 0.5; left of
// the first sample or right of the last one the edge sample is used.
Image64 reference_resize(const Image64& source, int width, int height) {
  const auto tap = [](int d, int source_size, int destination_size, int& i0, int& i1,
                      double& fraction) {
    const double position = (d + 0.5) * source_size / destination_size - 0.5;
    i0 = int(std::floor(position));
    fraction = position - i0;
    if (i0 < 0) i0 = 0, fraction = 0.0;
    if (i0 >= source_size - 1) i0 = source_size - 1, fraction = 0.0;
    i1 = std::min(i0 + 1, source_size - 1);
  };
  Image64 result(width, height);
  for (int y = 0; y < height; ++y) {
    int y0, y1;
    double fy;
    tap(y, source.height, height, y0, y1, fy);
    for (int x = 0; x < width; ++x) {
      int x0, x1;
      double fx;
      tap(x, source.width, width, x0, x1, fx);
      for (int c = 0; c < 3; ++c) {
        result.at(y, x, c) =
            (1 - fy) * ((1 - fx) * source.clamped(y0, x0, c) + fx * source.clamped(y0, x1, c)) +
            fy * ((1 - fx) * source.clamped(y1, x0, c) + fx * source.clamped(y1, x1, c));
      }
    }
  }
  return result;
}

Image64 reference_solve(Image64 out, const Image64& in, const Image64& col, int iterations,
                        int level, double smoothness) {
  const int h = in.height, w = in.width;
  std::vector<double> psi(std::size_t(w) * h), phi(std::size_t(w) * h);
  const auto index = [w, h](int y, int x) {
    return std::size_t(std::clamp(y, 0, h - 1)) * w + std::clamp(x, 0, w - 1);
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double sum = 0.0;
      for (int c = 0; c < 3; ++c) {
        const double dx = in.clamped(y, x + 1, c) - in.clamped(y, x - 1, c);
        const double dy = in.clamped(y + 1, x, c) - in.clamped(y - 1, x, c);
        sum += dx * dx + dy * dy;
      }
      const double delta = std::sqrt(sum);
      psi[index(y, x)] = std::min(256 * delta / 5, 1.0);
      phi[index(y, x)] = 30 * std::pow(2.0, -level) / (1 + 10 * delta / smoothness);
    }
  }
  const double rho = 1.0 / 5.0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    Image64 next(w, h);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const double p = phi[index(y, x)];
        const double phi1 = (phi[index(y, x + 1)] + p) / 2;
        const double phi2 = (phi[index(y + 1, x)] + p) / 2;
        const double phi3 = (phi[index(y, x - 1)] + p) / 2;
        const double phi4 = (phi[index(y - 1, x)] + p) / 2;
        const double s = psi[index(y, x)];
        const double den = s + phi1 + phi2 + phi3 + phi4;
        for (int c = 0; c < 3; ++c) {
          const double num =
              s * col.clamped(y, x, c) +
              phi1 * (out.clamped(y, x + 1, c) - in.clamped(y, x + 1, c) + in.clamped(y, x, c)) +
              phi2 * (out.clamped(y + 1, x, c) - in.clamped(y + 1, x, c) + in.clamped(y, x, c)) +
              phi3 * (out.clamped(y, x - 1, c) - in.clamped(y, x - 1, c) + in.clamped(y, x, c)) +
              phi4 * (out.clamped(y - 1, x, c) - in.clamped(y - 1, x, c) + in.clamped(y, x, c));
          next.at(y, x, c) = num / (den + 1e-6) * (1 - rho) + rho * out.clamped(y, x, c);
        }
      }
    }
    out = next;
  }
  return out;
}

Image64 reference_regrain_rec(Image64 out, const Image64& in, const Image64& col,
                              std::vector<int> iterations, int level, double smoothness) {
  const int h = in.height, w = in.width;
  const int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
  if (iterations.size() > 1 && h2 > 20 && w2 > 20) {
    const Image64 small_in = reference_resize(in, w2, h2);
    const Image64 small_col = reference_resize(col, w2, h2);
    Image64 small_out = reference_resize(out, w2, h2);
    small_out = reference_regrain_rec(small_out, small_in, small_col,
                                      std::vector<int>(iterations.begin() + 1, iterations.end()),
                                      level + 1, smoothness);
    out = reference_resize(small_out, w, h);
  }
  return reference_solve(out, in, col, iterations[0], level, smoothness);
}

Image64 reference_regrain(const RgbImage& target, const RgbImage& fused,
                          const RegrainParams& params) {
  const Image64 in(target), col(fused);
  return reference_regrain_rec(in, in, col, params.iterations, 0, params.smoothness);
}

// ---- Test images ----

// A photo-like target: smooth blobs, a sharp vertical edge and a striped patch.
RgbImage textured_image(int width, int height, unsigned seed) {
  RgbImage image = test::smooth_image(width, height, seed);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      float* rgb = &image.rgb[3 * (std::size_t(y) * width + x)];
      if (x > width / 2) rgb[1] = std::min(1.0f, rgb[1] + 0.2f);
      if (y > height / 2 && x < width / 3) {
        const float stripe = 0.15f * std::sin(0.9f * x + 0.4f * y);
        for (int c = 0; c < 3; ++c) rgb[c] = std::clamp(rgb[c] + stripe, 0.0f, 1.0f);
      }
    }
  }
  return image;
}

// What fusion produces, roughly: the target blurred (box, radius r) and shifted in colour.
RgbImage blurred_and_shifted(const RgbImage& image, int r, const float shift[3]) {
  RgbImage result = test::box_blur(image, r);
  for (std::size_t i = 0; i < result.rgb.size(); ++i) result.rgb[i] += shift[i % 3];
  return result;
}

double max_abs_difference(const RgbImage& fast, const Image64& exact) {
  double worst = 0.0;
  for (std::size_t k = 0; k < fast.rgb.size(); ++k) {
    worst = std::max(worst, std::abs(double(fast.rgb[k]) - exact.values[k]));
  }
  return worst;
}

void expect_matches_transcription(int width, int height, const RegrainParams& params) {
  SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
  const RgbImage target = textured_image(width, height, unsigned(width * 7 + height));
  const float shift[3] = {0.1f, -0.05f, 0.07f};
  RgbImage fused = blurred_and_shifted(target, 2, shift);
  const RgbImage fast = regrain(target, fused, params, Context{2});
  ASSERT_EQ(fast.width, width);
  ASSERT_EQ(fast.height, height);
  EXPECT_LE(max_abs_difference(fast, reference_regrain(target, fused, params)), 1e-4);
}

TEST(Regrain, MatchesTranscriptionWithDefaults) {
  const RegrainParams defaults;
  expect_matches_transcription(50, 45, defaults);   // 2 levels
  expect_matches_transcription(130, 90, defaults);  // 3 levels
  expect_matches_transcription(90, 131, defaults);  // 3 levels, odd height
  expect_matches_transcription(42, 42, defaults);   // halved sides 21: 2 levels
  expect_matches_transcription(40, 60, defaults);   // halved width 20: 1 level
}

TEST(Regrain, MatchesTranscriptionWithOtherParameters) {
  RegrainParams params;
  params.smoothness = 0.5;
  params.iterations = {3, 5, 9};  // caps the levels at 3
  expect_matches_transcription(200, 170, params);
  params.smoothness = 2.0;
  params.iterations = {7};
  expect_matches_transcription(64, 64, params);
}

TEST(Regrain, MatchesTranscriptionOnTinyImages) {
  const RegrainParams defaults;
  for (const auto& size :
       {std::pair{1, 1}, std::pair{1, 7}, std::pair{6, 1}, std::pair{3, 2}, std::pair{2, 3}}) {
    expect_matches_transcription(size.first, size.second, defaults);
  }
}

TEST(Regrain, FusedEqualToTargetGivesTargetOnOneLevel) {
  // With I1 = I0 and one level, I0 is the fixed point the sweeps start from (up to the 1e-6 in
  // the denominator).
  RegrainParams one_level;
  one_level.iterations = {64};
  for (const auto& [size, params] :
       {std::pair{std::pair{130, 90}, one_level}, std::pair{std::pair{40, 37}, RegrainParams{}},
        std::pair{std::pair{57, 33}, RegrainParams{}}}) {
    const RgbImage image = textured_image(size.first, size.second, 5);
    const RgbImage result = regrain(image, image, params, Context{2});
    for (std::size_t k = 0; k < image.rgb.size(); ++k) {
      ASSERT_NEAR(result.rgb[k], image.rgb[k], 1e-5f) << "at " << k;
    }
  }
}

TEST(Regrain, FusedEqualToTargetOnSeveralLevelsFollowsTheScheme) {
  // On several levels each level starts from the upsampled coarser result, a blurred target,
  // and its few Jacobi sweeps do not bring the fine detail all the way back (about 0.036 max,
  // 0.004 mean here): regrain(I, I) != I is a property of the scheme, which the transcription
  // shares.
  const RgbImage image = textured_image(130, 90, 5);
  const RgbImage result = regrain(image, image, RegrainParams{}, Context{2});
  EXPECT_LE(max_abs_difference(result, reference_regrain(image, image, RegrainParams{})), 1e-4);
  double mean_change = 0.0;
  for (std::size_t k = 0; k < image.rgb.size(); ++k) {
    mean_change += std::abs(result.rgb[k] - image.rgb[k]);
  }
  EXPECT_LT(mean_change / image.rgb.size(), 0.01);
}

TEST(Regrain, KeepsTargetGradientsAndFusedColours) {
  // Large enough for 5 levels: with fewer, the coarse levels do not carry the colour all the
  // way (at 240x160, 3 levels, flat areas move ~72% of the way from target to fused colour).
  const int width = 512, height = 384;
  const RgbImage target = textured_image(width, height, 9);
  const float shift[3] = {0.08f, -0.06f, 0.1f};
  const RgbImage fused = blurred_and_shifted(target, 4, shift);
  const RgbImage result = regrain(target, fused, RegrainParams{}, Context{2});

  const auto value = [](const RgbImage& image, int y, int x, int c) {
    return double(image.rgb[3 * (std::size_t(y) * image.width + x) + c]);
  };
  // Mean |grad J - grad I_T| over the image (forward differences), J = result and J = fused.
  const auto gradient_error = [&](const RgbImage& image) {
    double sum = 0.0;
    for (int y = 0; y + 1 < height; ++y) {
      for (int x = 0; x + 1 < width; ++x) {
        for (int c = 0; c < 3; ++c) {
          const double gx = value(image, y, x + 1, c) - value(image, y, x, c);
          const double gy = value(image, y + 1, x, c) - value(image, y, x, c);
          const double tx = value(target, y, x + 1, c) - value(target, y, x, c);
          const double ty = value(target, y + 1, x, c) - value(target, y, x, c);
          sum += std::abs(gx - tx) + std::abs(gy - ty);
        }
      }
    }
    return sum / (double(width - 1) * (height - 1) * 3);
  };
  const double result_error = gradient_error(result);
  const double fused_error = gradient_error(fused);
  EXPECT_LT(result_error, 0.5 * fused_error)
      << "result " << result_error << ", fused " << fused_error;

  // Flat area (top-left quarter: no stripes, no edge, away from the borders): the result's mean
  // colour follows the fused image, not the target.
  for (int c = 0; c < 3; ++c) {
    double result_mean = 0.0, fused_mean = 0.0, target_mean = 0.0;
    int n = 0;
    for (int y = 10; y < height / 2 - 10; ++y) {
      for (int x = 10; x < width / 2 - 10; ++x) {
        result_mean += value(result, y, x, c);
        fused_mean += value(fused, y, x, c);
        target_mean += value(target, y, x, c);
        ++n;
      }
    }
    result_mean /= n, fused_mean /= n, target_mean /= n;
    EXPECT_NEAR(result_mean, fused_mean, 0.01) << "channel " << c;
    EXPECT_GT(std::abs(result_mean - target_mean), 0.5 * std::abs(shift[c])) << "channel " << c;
  }
}

TEST(Regrain, ThreadCountDoesNotChangeResult) {
  const RgbImage target = textured_image(300, 220, 13);
  const float shift[3] = {0.05f, 0.05f, -0.1f};
  const RgbImage fused = blurred_and_shifted(target, 3, shift);
  const RgbImage one = regrain(target, fused, RegrainParams{}, Context{1});
  const RgbImage two = regrain(target, fused, RegrainParams{}, Context{2});
  const RgbImage three = regrain(target, fused, RegrainParams{}, Context{3});
  EXPECT_EQ(0, std::memcmp(one.rgb.data(), two.rgb.data(), one.rgb.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(one.rgb.data(), three.rgb.data(), one.rgb.size() * sizeof(float)));
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

TEST(Regrain, RejectsBadParameters) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double smoothness : {0.0, -1.0, nan, inf}) {
    RegrainParams params;
    params.smoothness = smoothness;
    expect_invalid_argument([&] { validate_regrain_params(params); });
  }
  for (const std::vector<int>& iterations :
       {std::vector<int>{}, std::vector<int>{0}, std::vector<int>{4, 16, -1},
        std::vector<int>{4, 0, 32}}) {
    RegrainParams params;
    params.iterations = iterations;
    expect_invalid_argument([&] { validate_regrain_params(params); });
  }
  EXPECT_NO_THROW(validate_regrain_params(RegrainParams{}));

  const RgbImage image = test::smooth_image(30, 20, 3);
  RegrainParams bad;
  bad.iterations = {};
  if (kDebugChecks) expect_invalid_argument([&] { regrain(image, image, bad, Context{1}); });
  // Size mismatch, broken buffer, non-finite values.
  const RgbImage other = test::smooth_image(20, 30, 4);
  expect_invalid_argument([&] { regrain(image, other, RegrainParams{}, Context{1}); });
  RgbImage broken = image;
  broken.rgb.resize(10);
  expect_invalid_argument([&] { regrain(image, broken, RegrainParams{}, Context{1}); });
  RgbImage with_nan = image;
  with_nan.rgb[7] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid_argument([&] { regrain(with_nan, image, RegrainParams{}, Context{1}); });
}

TEST(Regrain, HonoursCancellation) {
  const RgbImage image = test::smooth_image(64, 48, 3);
  std::atomic<bool> cancel{true};
  try {
    regrain(image, image, RegrainParams{}, Context{2, &cancel});
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kCancelled);
  }
}

}  // namespace
}  // namespace supercolor
