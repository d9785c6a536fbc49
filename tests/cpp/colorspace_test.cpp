// sRGB <-> CIELab (D65): known values, agreement with a float64 evaluation of the CIE formulas,
// round trips.

#include "core/colorspace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace supercolor {
namespace {

// Independent float64 evaluation of sRGB (IEC 61966-2-1) -> XYZ D65 -> CIE 1976 Lab.
std::array<double, 3> reference_lab(double r, double g, double b) {
  const auto linear = [](double c) {
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  const double lr = linear(r), lg = linear(g), lb = linear(b);
  const double x = 0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb;
  const double y = 0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb;
  const double z = 0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb;
  const auto f = [](double t) {
    const double delta = 6.0 / 29.0;
    return t > delta * delta * delta ? std::cbrt(t) : t / (3 * delta * delta) + 4.0 / 29.0;
  };
  const double fx = f(x / 0.95047), fy = f(y / 1.0), fz = f(z / 1.08883);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

std::array<float, 3> to_lab(float r, float g, float b) {
  const float rgb[3] = {r, g, b};
  std::array<float, 3> lab{};
  srgb_to_lab(rgb, lab.data(), 1);
  return lab;
}

TEST(Colorspace, KnownLabValues) {
  struct Case {
    float r, g, b;
    double l, a, b_star;
  };
  // CIE Lab of the sRGB primaries (D65), e.g. as tabulated by Lindbloom's calculator.
  const Case cases[] = {
      {1, 1, 1, 100.0, 0.0, 0.0},       {0, 0, 0, 0.0, 0.0, 0.0},
      {1, 0, 0, 53.24, 80.09, 67.20},   {0, 1, 0, 87.73, -86.18, 83.18},
      {0, 0, 1, 32.30, 79.19, -107.86},
  };
  for (const Case& c : cases) {
    const auto lab = to_lab(c.r, c.g, c.b);
    EXPECT_NEAR(lab[0], c.l, 0.05) << c.r << "," << c.g << "," << c.b;
    EXPECT_NEAR(lab[1], c.a, 0.05) << c.r << "," << c.g << "," << c.b;
    EXPECT_NEAR(lab[2], c.b_star, 0.05) << c.r << "," << c.g << "," << c.b;
  }
  // White must be exactly neutral, not just close: SLIC distances on grey images rely on it.
  const auto white = to_lab(1, 1, 1);
  EXPECT_NEAR(white[1], 0.0, 1e-4);
  EXPECT_NEAR(white[2], 0.0, 1e-4);
}

TEST(Colorspace, MatchesFloat64FormulaOnEightBitAndOtherValues) {
  // 8-bit values take the tabulated linearisation; their float neighbours take std::pow. Both
  // must agree with the float64 formula.
  std::vector<float> rgb;
  for (int k = 0; k < 256; ++k) {
    const float v = static_cast<float>(k) / 255.0f;
    rgb.insert(rgb.end(), {v, v, v});
    rgb.insert(rgb.end(), {v, 1.0f - v, 0.5f});
    const float above = std::nextafter(v, 2.0f);
    rgb.insert(rgb.end(), {above, std::min(above * 0.7f, 1.0f), 0.25f});
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int i = 0; i < 3000; ++i) rgb.push_back(uniform(rng));
  const std::size_t n = rgb.size() / 3;
  std::vector<float> lab(3 * n);
  srgb_to_lab(rgb.data(), lab.data(), n);
  double max_error = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto expected = reference_lab(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
    for (int c = 0; c < 3; ++c) {
      max_error = std::max(max_error, std::abs(lab[3 * i + c] - expected[c]));
    }
  }
  EXPECT_LT(max_error, 2e-4);
}

TEST(Colorspace, RoundTripOverColourGrid) {
  std::vector<float> rgb;
  constexpr int kSteps = 24;
  for (int r = 0; r <= kSteps; ++r) {
    for (int g = 0; g <= kSteps; ++g) {
      for (int b = 0; b <= kSteps; ++b) {
        rgb.insert(rgb.end(), {static_cast<float>(r) / kSteps, static_cast<float>(g) / kSteps,
                               static_cast<float>(b) / kSteps});
      }
    }
  }
  for (int k = 0; k < 256; ++k) {  // every 8-bit grey and dark values near the linear segment
    const float v = static_cast<float>(k) / 255.0f;
    rgb.insert(rgb.end(), {v, v * 0.1f, v * 0.01f});
  }
  const std::size_t n = rgb.size() / 3;
  std::vector<float> lab(3 * n), back(3 * n);
  srgb_to_lab(rgb.data(), lab.data(), n);
  lab_to_srgb(lab.data(), back.data(), n);
  double max_error = 0;
  for (std::size_t i = 0; i < 3 * n; ++i) {
    max_error = std::max(max_error, static_cast<double>(std::abs(back[i] - rgb[i])));
  }
  EXPECT_LT(max_error, 1e-4);
}

TEST(Colorspace, LabToSrgbIsNotClamped) {
  // Lab far outside the sRGB gamut must come back outside [0,1], as the header promises.
  const float lab[3] = {50.0f, 120.0f, 0.0f};
  float rgb[3];
  lab_to_srgb(lab, rgb, 1);
  EXPECT_GT(rgb[0], 1.0f);
  EXPECT_LT(rgb[1], 0.0f);
  // And the inverse still round-trips such values.
  float lab_again[3];
  srgb_to_lab(rgb, lab_again, 1);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(lab_again[c], lab[c], 1e-2);
}

TEST(Colorspace, ZeroCountIsANoOp) {
  float sentinel[3] = {-1, -1, -1};
  srgb_to_lab(nullptr, sentinel, 0);
  lab_to_srgb(nullptr, sentinel, 0);
  EXPECT_EQ(sentinel[0], -1.0f);
}

}  // namespace
}  // namespace supercolor
