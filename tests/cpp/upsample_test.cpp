// The local affine model (src/core/upsample.h) against a brute-force float64 guided filter
// (He, Sun, Tang 2013, eq. 14-16, colour guide), and its application at full resolution.
#include "core/upsample.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/resample.h"
#include "test_support.h"

namespace supercolor {
namespace {

// eq. 14-15 per window on the change p = result - guide, by direct sums over the clipped window;
// eq. 16 by direct averaging; identity added back.
std::vector<double> brute_force_coefficients(const RgbImage& guide, const RgbImage& result, int r,
                                             double eps) {
  const int w = guide.width, h = guide.height;
  std::vector<double> window(12 * static_cast<std::size_t>(w) * h);
  const auto pixel = [&](const RgbImage& im, int y, int x) {
    return Eigen::Vector3d(im.rgb[3 * (y * w + x)], im.rgb[3 * (y * w + x) + 1],
                           im.rgb[3 * (y * w + x) + 2]);
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      Eigen::Vector3d mu = Eigen::Vector3d::Zero(), pbar = Eigen::Vector3d::Zero();
      Eigen::Matrix3d sii = Eigen::Matrix3d::Zero(), sip = Eigen::Matrix3d::Zero();
      int n = 0;
      for (int yy = std::max(0, y - r); yy <= std::min(h - 1, y + r); ++yy) {
        for (int xx = std::max(0, x - r); xx <= std::min(w - 1, x + r); ++xx) {
          const Eigen::Vector3d I = pixel(guide, yy, xx), p = pixel(result, yy, xx) - I;
          mu += I;
          pbar += p;
          sii += I * I.transpose();
          sip += I * p.transpose();
          ++n;
        }
      }
      mu /= n;
      pbar /= n;
      const Eigen::Matrix3d sigma =
          sii / n - mu * mu.transpose() + eps * Eigen::Matrix3d::Identity();
      const Eigen::Matrix3d cov = sip / n - mu * pbar.transpose();
      const Eigen::Matrix3d a = sigma.ldlt().solve(cov);  // column c: coefficients of output c
      double* out = &window[12 * (static_cast<std::size_t>(y) * w + x)];
      for (int c = 0; c < 3; ++c) {
        for (int i = 0; i < 3; ++i) out[3 * c + i] = a(i, c) + (i == c ? 1.0 : 0.0);
        out[9 + c] = pbar(c) - a.col(c).dot(mu);
      }
    }
  }
  std::vector<double> averaged(window.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int n = 0;
      double sum[12] = {};
      for (int yy = std::max(0, y - r); yy <= std::min(h - 1, y + r); ++yy) {
        for (int xx = std::max(0, x - r); xx <= std::min(w - 1, x + r); ++xx) {
          for (int k = 0; k < 12; ++k)
            sum[k] += window[12 * (static_cast<std::size_t>(yy) * w + xx) + k];
          ++n;
        }
      }
      for (int k = 0; k < 12; ++k)
        averaged[12 * (static_cast<std::size_t>(y) * w + x) + k] = sum[k] / n;
    }
  }
  return averaged;
}

TEST(Upsample, LocalAffineFitEqualsTheGuidedFilterDefinition) {
  const RgbImage guide = test::smooth_image(41, 29, 7);
  const RgbImage result = test::smooth_image(41, 29, 8);
  for (const int r : {1, 2, 4}) {
    for (const double eps : {1e-4, 1e-2}) {
      const LocalAffineModel model =
          fit_local_affine(guide, result, LocalAffineParams{r, eps}, Context{2, nullptr});
      const std::vector<double> expected = brute_force_coefficients(guide, result, r, eps);
      ASSERT_EQ(model.coefficients.size(), expected.size());
      // Compare what the model does to the guide (the coefficients themselves are large
      // where the guide is flat; their effect is what must match).
      double worst = 0;
      for (std::size_t p = 0; p < guide.pixel_count(); ++p) {
        for (int c = 0; c < 3; ++c) {
          double fast = model.coefficients[12 * p + 9 + c], slow = expected[12 * p + 9 + c];
          for (int i = 0; i < 3; ++i) {
            fast += model.coefficients[12 * p + 3 * c + i] * guide.rgb[3 * p + i];
            slow += expected[12 * p + 3 * c + i] * guide.rgb[3 * p + i];
          }
          worst = std::max(worst, std::abs(fast - slow));
        }
      }
      EXPECT_LT(worst, 0.25 / 255) << "r=" << r << " eps=" << eps;
    }
  }
}

TEST(Upsample, AGlobalAffineColourMapIsCarriedToFullResolution) {
  // result = M guide + b at the working size -> the full-resolution output is M target + b.
  const RgbImage full = test::smooth_image(320, 240, 11);
  const RgbImage small = area_reduce(full, ImageSize{80, 60}, Context{});
  const double m[3][3] = {{0.6, 0.2, 0.1}, {0.1, 0.7, 0.0}, {0.0, 0.2, 0.5}};
  const double b[3] = {0.05, 0.1, 0.2};
  RgbImage mapped = small;
  for (std::size_t p = 0; p < small.pixel_count(); ++p) {
    for (int c = 0; c < 3; ++c) {
      mapped.rgb[3 * p + c] =
          static_cast<float>(m[c][0] * small.rgb[3 * p] + m[c][1] * small.rgb[3 * p + 1] +
                             m[c][2] * small.rgb[3 * p + 2] + b[c]);
    }
  }
  // A tiny epsilon: the window fit is then (nearly) exact for an affine map.
  const LocalAffineModel model =
      fit_local_affine(small, mapped, LocalAffineParams{2, 1e-7}, Context{2, nullptr});
  const Rgba8Image out = apply_local_affine(model, full, Context{2, nullptr});
  ASSERT_EQ(out.width, full.width);
  ASSERT_EQ(out.height, full.height);
  int worst = 0;
  for (std::size_t p = 0; p < full.pixel_count(); ++p) {
    for (int c = 0; c < 3; ++c) {
      const double expected = m[c][0] * full.rgb[3 * p] + m[c][1] * full.rgb[3 * p + 1] +
                              m[c][2] * full.rgb[3 * p + 2] + b[c];
      const int level = static_cast<int>(std::lround(std::min(1.0, std::max(0.0, expected)) * 255));
      worst = std::max(worst, std::abs(level - out.rgba[4 * p + c]));
    }
    EXPECT_EQ(out.rgba[4 * p + 3], 255);
  }
  EXPECT_LE(worst, 1) << "8-bit levels";
}

TEST(Upsample, AlphaIsKeptAndThreadsDoNotMatter) {
  const RgbImage full = test::smooth_image(150, 100, 2);
  Rgba8Image target = to_rgba8(full);
  for (std::size_t p = 0; p < target.pixel_count(); ++p)
    target.rgba[4 * p + 3] = static_cast<uint8_t>(p % 256);
  const RgbImage small = area_reduce(target, ImageSize{50, 33}, Context{});
  const RgbImage other = test::smooth_image(50, 33, 9);
  const LocalAffineModel one =
      fit_local_affine(small, other, LocalAffineParams{}, Context{1, nullptr});
  const LocalAffineModel three =
      fit_local_affine(small, other, LocalAffineParams{}, Context{3, nullptr});
  EXPECT_EQ(one.coefficients, three.coefficients);
  const Rgba8Image a = apply_local_affine(one, target, Context{1, nullptr});
  const Rgba8Image b = apply_local_affine(one, target, Context{3, nullptr});
  EXPECT_EQ(a.rgba, b.rgba);
  for (std::size_t p = 0; p < target.pixel_count(); ++p)
    ASSERT_EQ(a.rgba[4 * p + 3], target.rgba[4 * p + 3]);
}

TEST(Upsample, BadInputsAreRejected) {
  const RgbImage a = test::random_image(10, 10, 1), b = test::random_image(11, 10, 2);
  EXPECT_THROW(fit_local_affine(a, b, LocalAffineParams{}, Context{}), Error);
  EXPECT_THROW(fit_local_affine(a, a, LocalAffineParams{0, 1e-4}, Context{}), Error);
  EXPECT_THROW(fit_local_affine(a, a, LocalAffineParams{2, 0}, Context{}), Error);
  EXPECT_THROW(apply_local_affine(LocalAffineModel{}, a, Context{}), Error);
}

}  // namespace
}  // namespace supercolor
