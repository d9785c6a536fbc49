// sRGB <-> CIELab, D65 white point, 2-degree observer (IEC 61966-2-1 sRGB primaries; CIE 1976
// L*a*b*). SLIC (Achanta et al. 2012) clusters in this space, DESIGN.md section 1.1.

#include "colorspace.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace supercolor {
namespace {

// Linear sRGB -> XYZ (D65), IEC 61966-2-1. Rows sum to the D65 white below, so sRGB white maps
// to exactly (100, 0, 0) up to rounding.
constexpr double kRgbToXyz[3][3] = {{0.4124564, 0.3575761, 0.1804375},
                                    {0.2126729, 0.7151522, 0.0721750},
                                    {0.0193339, 0.1191920, 0.9503041}};
constexpr double kWhiteX = 0.4124564 + 0.3575761 + 0.1804375;  // 0.95047
constexpr double kWhiteY = 0.2126729 + 0.7151522 + 0.0721750;  // 1.0
constexpr double kWhiteZ = 0.0193339 + 0.1191920 + 0.9503041;  // 1.08883

using Matrix3 = std::array<std::array<double, 3>, 3>;

// Exact inverse of kRgbToXyz (rather than the rounded published XYZ->sRGB matrix), so that
// lab_to_srgb(srgb_to_lab(c)) == c up to float rounding.
constexpr Matrix3 inverse3(const double (&m)[3][3]) {
  const double c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1];
  const double c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2];
  const double c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0];
  const double det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02;
  Matrix3 inv{};
  inv[0][0] = c00 / det;
  inv[1][0] = c01 / det;
  inv[2][0] = c02 / det;
  inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
  inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
  inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
  inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
  return inv;
}
constexpr Matrix3 kXyzToRgb = inverse3(kRgbToXyz);

// CIE Lab companding: f(t) = cbrt(t) above (6/29)^3, linear below.
constexpr double kLabDelta = 6.0 / 29.0;
constexpr double kLabEpsilon = kLabDelta * kLabDelta * kLabDelta;
constexpr double kLabSlope = 1.0 / (3.0 * kLabDelta * kLabDelta);
constexpr double kLabOffset = 4.0 / 29.0;

inline double linearize(double c) {
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

inline double encode_srgb(double l) {
  return l <= 0.0031308 ? 12.92 * l : 1.055 * std::pow(l, 1.0 / 2.4) - 0.055;
}

// Cube root for t > 0 without libm's cbrt, which dominated the conversion: an exponent-thirding
// bit trick (Kahan's constant, within ~3.5%), then two Halley steps (cubic convergence: about
// 2e-7 relative, float rounding). Branch-free, so the block loop below vectorises.
inline float fast_cbrt(float t) {
  std::uint32_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = bits / 3 + 709921077u;
  float y;
  std::memcpy(&y, &bits, sizeof y);
  float y3 = y * y * y;  // two Halley steps, unrolled by hand so the caller's loop vectorises
  y *= (y3 + 2.0f * t) / (2.0f * y3 + t);
  y3 = y * y * y;
  y *= (y3 + 2.0f * t) / (2.0f * y3 + t);
  return y;
}

// Both branches are evaluated and blended through a bit mask: GCC will not if-convert a float
// ternary here (it may trap), and a branch would stop vectorisation. fast_cbrt's value for
// t <= epsilon is discarded.
inline float lab_f(float t) {
  const float cube_root = fast_cbrt(t);
  const float linear = static_cast<float>(kLabSlope) * t + static_cast<float>(kLabOffset);
  std::uint32_t cube_root_bits, linear_bits;
  std::memcpy(&cube_root_bits, &cube_root, sizeof cube_root_bits);
  std::memcpy(&linear_bits, &linear, sizeof linear_bits);
  const std::uint32_t mask = -static_cast<std::uint32_t>(t > static_cast<float>(kLabEpsilon));
  const std::uint32_t bits = (cube_root_bits & mask) | (linear_bits & ~mask);
  float result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

inline double lab_f_inverse(double f) {
  return f > kLabDelta ? f * f * f : (f - kLabOffset) / kLabSlope;
}

// Decoded images hold exactly k/255 (io's to_rgb), and linearisation (a pow per channel) is the
// costliest part of the conversion on 12-megapixel photos, so those 256 values are tabulated.
struct EightBitLinearTable {
  std::array<float, 256> encoded;  // k / 255.0f, the exact float io produces
  std::array<float, 256> linear;   // linearize(encoded[k])
  EightBitLinearTable() {
    for (int k = 0; k < 256; ++k) {
      encoded[k] = static_cast<float>(k) / 255.0f;
      linear[k] = static_cast<float>(linearize(encoded[k]));
    }
  }
};

inline float linearize_fast(float c, const EightBitLinearTable& table) {
  if (c >= 0.0f && c <= 1.0f) {
    const int k = static_cast<int>(c * 255.0f + 0.5f);
    if (table.encoded[k] == c) return table.linear[k];
  }
  // Other values: float precision is all a float Lab result needs, and powf is much cheaper.
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

}  // namespace

void srgb_to_lab(const float* rgb, float* lab, std::size_t n) {
  static const EightBitLinearTable table;  // immutable after its thread-safe initialisation
  // XYZ already divided by the white point, in float: Lab is stored as float anyway.
  float to_xyz[3][3];
  const double white[3] = {kWhiteX, kWhiteY, kWhiteZ};
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) {
      to_xyz[row][col] = static_cast<float>(kRgbToXyz[row][col] / white[row]);
    }
  }
  // Blocks: a scalar pass for the table lookups, then a vectorisable pass for the cube roots.
  constexpr std::size_t kBlock = 64;
  float f[3][kBlock];
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t count = std::min(kBlock, n - begin);
    const float* in = rgb + 3 * begin;
    for (std::size_t i = 0; i < count; ++i) {
      const float r = linearize_fast(in[3 * i], table);
      const float g = linearize_fast(in[3 * i + 1], table);
      const float b = linearize_fast(in[3 * i + 2], table);
      for (int c = 0; c < 3; ++c) f[c][i] = to_xyz[c][0] * r + to_xyz[c][1] * g + to_xyz[c][2] * b;
    }
    for (int c = 0; c < 3; ++c) {
      for (std::size_t i = 0; i < count; ++i) f[c][i] = lab_f(f[c][i]);
    }
    float* out = lab + 3 * begin;
    for (std::size_t i = 0; i < count; ++i) {
      out[3 * i] = 116.0f * f[1][i] - 16.0f;
      out[3 * i + 1] = 500.0f * (f[0][i] - f[1][i]);
      out[3 * i + 2] = 200.0f * (f[1][i] - f[2][i]);
    }
  }
}

void lab_to_srgb(const float* lab, float* rgb, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double fy = (lab[3 * i] + 16.0) / 116.0;
    const double fx = fy + lab[3 * i + 1] / 500.0;
    const double fz = fy - lab[3 * i + 2] / 200.0;
    const double x = kWhiteX * lab_f_inverse(fx);
    const double y = kWhiteY * lab_f_inverse(fy);
    const double z = kWhiteZ * lab_f_inverse(fz);
    for (int c = 0; c < 3; ++c) {
      const double linear = kXyzToRgb[c][0] * x + kXyzToRgb[c][1] * y + kXyzToRgb[c][2] * z;
      rgb[3 * i + c] = static_cast<float>(encode_srgb(linear));
    }
  }
}

}  // namespace supercolor
