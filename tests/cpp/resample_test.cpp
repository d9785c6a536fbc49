// Working size and the area-averaging reduction (src/core/resample.h) against a brute-force
// float64 evaluation of the box prefilter.
#include "core/resample.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "test_support.h"

namespace supercolor {
namespace {

TEST(Resample, WorkingSizeKeepsAspectAndStaysWithinTheBudget) {
  EXPECT_EQ(working_size(1000, 800, 1e6).width, 1000);  // within: unchanged
  EXPECT_EQ(working_size(1000, 800, 1e6).height, 800);
  EXPECT_EQ(working_size(50, 40, std::numeric_limits<double>::infinity()).width, 50);
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{
           {4000, 3000}, {3120, 4160}, {8000, 1000}, {6000, 4000}, {20000, 3}}) {
    const ImageSize s = working_size(w, h, 1.5e6);
    EXPECT_LE(static_cast<double>(s.width) * s.height, 1.5e6) << w << "x" << h;
    EXPECT_GE(s.width, 1);
    EXPECT_GE(s.height, 1);
    // Within a pixel of the exact aspect ratio, and close to the budget.
    EXPECT_NEAR(static_cast<double>(s.width) / w * h, s.height, 1.0) << w << "x" << h;
    if (h > 100) {
      EXPECT_GT(static_cast<double>(s.width) * s.height, 0.99 * 1.5e6) << w << "x" << h;
    }
  }
}

// Brute force: output pixel = integral of the piecewise-constant source over its footprint,
// divided by the footprint's area, in double.
RgbImage brute_force_area(const RgbImage& source, ImageSize size) {
  RgbImage out{size.width, size.height, std::vector<float>(3 * size.width * size.height)};
  const double sx = static_cast<double>(source.width) / size.width;
  const double sy = static_cast<double>(source.height) / size.height;
  for (int oy = 0; oy < size.height; ++oy) {
    for (int ox = 0; ox < size.width; ++ox) {
      double sum[3] = {0, 0, 0};
      for (int y = 0; y < source.height; ++y) {
        const double wy =
            std::max(0.0, std::min((oy + 1) * sy, y + 1.0) - std::max(oy * sy, 1.0 * y));
        if (wy == 0) continue;
        for (int x = 0; x < source.width; ++x) {
          const double wx =
              std::max(0.0, std::min((ox + 1) * sx, x + 1.0) - std::max(ox * sx, 1.0 * x));
          for (int c = 0; c < 3; ++c) {
            sum[c] +=
                wx * wy * source.rgb[3 * (static_cast<std::size_t>(y) * source.width + x) + c];
          }
        }
      }
      for (int c = 0; c < 3; ++c) {
        out.rgb[3 * (static_cast<std::size_t>(oy) * size.width + ox) + c] =
            static_cast<float>(sum[c] / (sx * sy));
      }
    }
  }
  return out;
}

TEST(Resample, AreaReductionEqualsTheBoxIntegral) {
  const RgbImage source = test::random_image(97, 61, 3);
  for (const ImageSize size : {ImageSize{97, 61}, ImageSize{48, 30}, ImageSize{31, 23},
                               ImageSize{10, 7}, ImageSize{1, 1}, ImageSize{97, 5}}) {
    const RgbImage fast = area_reduce(source, size, Context{2, nullptr});
    const RgbImage slow = brute_force_area(source, size);
    ASSERT_EQ(fast.rgb.size(), slow.rgb.size());
    double worst = 0;
    for (std::size_t i = 0; i < fast.rgb.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(fast.rgb[i] - slow.rgb[i])));
    }
    EXPECT_LT(worst, 2e-6) << size.width << "x" << size.height;
  }
}

TEST(Resample, EightBitAndFloatInputsAgreeAndThreadsDoNotMatter) {
  const RgbImage smooth = test::smooth_image(203, 150, 5);
  Rgba8Image bytes = to_rgba8(smooth);
  const RgbImage from_bytes = to_rgb(bytes);
  const ImageSize size{77, 57};
  const RgbImage a = area_reduce(bytes, size, Context{1, nullptr});
  const RgbImage b = area_reduce(from_bytes, size, Context{1, nullptr});
  const RgbImage c = area_reduce(bytes, size, Context{3, nullptr});
  EXPECT_EQ(a.rgb, b.rgb);
  EXPECT_EQ(a.rgb, c.rgb);
}

TEST(Resample, BadSizesAreRejected) {
  const RgbImage source = test::random_image(10, 10, 1);
  EXPECT_THROW(area_reduce(source, ImageSize{11, 10}, Context{}), Error);
  EXPECT_THROW(area_reduce(source, ImageSize{0, 5}, Context{}), Error);
}

}  // namespace
}  // namespace supercolor
