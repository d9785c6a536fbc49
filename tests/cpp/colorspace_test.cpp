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

TEST(Colorspace, DeltaE2000MatchesSharmaWuDalalTestData) {
  // Pairs from Table 1 of Sharma, Wu, Dalal 2005 (numbered as there), with the published
  // Delta E 2000 to 4 decimals. Chosen to cover the G term near neutral (7, 9-16), the mean-hue
  // and hue-difference wrap-around cases (9-15), the blue rotation term R_T (1-6) and real
  // colour pairs (25-34).
  struct Pair {
    int number;
    float lab1[3], lab2[3];
    double delta_e;
  };
  const Pair pairs[] = {
      {1, {50.0000f, 2.6772f, -79.7751f}, {50.0000f, 0.0000f, -82.7485f}, 2.0425},
      {4, {50.0000f, -1.3802f, -84.2814f}, {50.0000f, 0.0000f, -82.7485f}, 1.0000},
      {7, {50.0000f, 0.0000f, 0.0000f}, {50.0000f, -1.0000f, 2.0000f}, 2.3669},
      {9, {50.0000f, 2.4900f, -0.0010f}, {50.0000f, -2.4900f, 0.0009f}, 7.1792},
      {11, {50.0000f, 2.4900f, -0.0010f}, {50.0000f, -2.4900f, 0.0011f}, 7.2195},
      {13, {50.0000f, -0.0010f, 2.4900f}, {50.0000f, 0.0009f, -2.4900f}, 4.8045},
      {15, {50.0000f, -0.0010f, 2.4900f}, {50.0000f, 0.0011f, -2.4900f}, 4.7461},
      {17, {50.0000f, 2.5000f, 0.0000f}, {73.0000f, 25.0000f, -18.0000f}, 27.1492},
      {19, {50.0000f, 2.5000f, 0.0000f}, {56.0000f, -27.0000f, -3.0000f}, 31.9030},
      {25, {60.2574f, -34.0099f, 36.2677f}, {60.4626f, -34.1751f, 39.4387f}, 1.2644},
      {29, {22.7233f, 20.0904f, -46.6940f}, {23.0331f, 14.9730f, -42.5619f}, 2.0373},
      {31, {90.8027f, -2.0831f, 1.4410f}, {91.1528f, -1.6435f, 0.0447f}, 1.4441},
      {33, {6.7747f, -0.2908f, -2.4247f}, {5.8714f, -0.0985f, -2.2286f}, 0.6377},
      {34, {2.0776f, 0.0795f, -1.1350f}, {0.9033f, -0.0636f, -0.5514f}, 0.9082},
  };
  for (const Pair& pair : pairs) {
    EXPECT_NEAR(delta_e2000(pair.lab1, pair.lab2), pair.delta_e, 1e-4) << "pair " << pair.number;
    // The formula is symmetric in its two colours.
    EXPECT_NEAR(delta_e2000(pair.lab2, pair.lab1), pair.delta_e, 1e-4) << "pair " << pair.number;
  }
  const float same[3] = {40.0f, 10.0f, -20.0f};
  EXPECT_EQ(delta_e2000(same, same), 0.0);
}

TEST(Colorspace, GamutMappedLabKeepsLightnessAndInGamutColours) {
  // In-gamut colours come back unchanged (up to float round trips).
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> rgb(3 * 500), lab(3 * 500), back(3 * 500);
  for (float& v : rgb) v = uniform(rng);
  srgb_to_lab(rgb.data(), lab.data(), 500);
  lab_to_srgb_gamut_mapped(lab.data(), back.data(), 500);
  for (std::size_t i = 0; i < rgb.size(); ++i) EXPECT_NEAR(back[i], rgb[i], 1e-4f) << i;
  // Out-of-gamut colours (high chroma at every lightness) land in [0,1] with their L* and hue.
  for (float l = 5.0f; l <= 95.0f; l += 15.0f) {
    for (int h = 0; h < 12; ++h) {
      const float angle = h * 3.14159265f / 6.0f;
      const float in[3] = {l, 150.0f * std::cos(angle), 150.0f * std::sin(angle)};
      float out[3], out_lab[3];
      lab_to_srgb_gamut_mapped(in, out, 1);
      for (float v : out) {
        EXPECT_GE(v, 0.0f);
        EXPECT_LE(v, 1.0f);
      }
      srgb_to_lab(out, out_lab, 1);
      EXPECT_NEAR(out_lab[0], l, 0.01f) << l << " " << h;
      const float hue_in = std::atan2(in[2], in[1]);
      const float hue_out = std::atan2(out_lab[2], out_lab[1]);
      EXPECT_NEAR(std::remainder(hue_out - hue_in, 2 * 3.14159265f), 0.0f, 0.02f) << l << " " << h;
    }
  }
}

}  // namespace
}  // namespace supercolor
