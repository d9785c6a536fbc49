// sRGB <-> CIELab, D65 white point, 2-degree observer (IEC 61966-2-1 sRGB primaries; CIE 1976
// L*a*b*). SLIC (Achanta et al. 2012) clusters in this space, method.md §1.1.

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

void lab_to_srgb_gamut_mapped(const float* lab, float* rgb, std::size_t n) {
  // Tolerance on the channel range: Lab computed from an in-gamut float colour comes back a few
  // ulps outside [0,1]; that must not count as out of gamut (it would desaturate it).
  constexpr float kSlack = 1e-5f;
  const auto inside = [](const float* c) {
    for (int k = 0; k < 3; ++k) {
      if (!(c[k] >= -kSlack && c[k] <= 1.0f + kSlack)) return false;
    }
    return true;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const float l = std::min(100.0f, std::max(0.0f, lab[3 * i]));
    float candidate[3] = {l, lab[3 * i + 1], lab[3 * i + 2]};
    float* out = rgb + 3 * i;
    lab_to_srgb(candidate, out, 1);
    if (!inside(out)) {
      // Largest chroma scale in [0,1] that stays inside: the boundary is crossed once along
      // the ray from the neutral axis (in-gamut at scale 0). 24 halvings: scale within 6e-8.
      double lo = 0.0, hi = 1.0;
      float trial[3];
      for (int step = 0; step < 24; ++step) {
        const double mid = 0.5 * (lo + hi);
        candidate[1] = static_cast<float>(lab[3 * i + 1] * mid);
        candidate[2] = static_cast<float>(lab[3 * i + 2] * mid);
        lab_to_srgb(candidate, trial, 1);
        (inside(trial) ? lo : hi) = mid;
      }
      candidate[1] = static_cast<float>(lab[3 * i + 1] * lo);
      candidate[2] = static_cast<float>(lab[3 * i + 2] * lo);
      lab_to_srgb(candidate, out, 1);
    }
    for (int k = 0; k < 3; ++k) out[k] = std::min(1.0f, std::max(0.0f, out[k]));
  }
}

double delta_e2000(const float* lab1, const float* lab2) {
  // Sharma et al. 2005, eq. 1-22; angles in degrees as in the paper, converted at each
  // trigonometric call.
  constexpr double kPi = 3.14159265358979323846;
  constexpr double kDeg = kPi / 180.0;
  constexpr double kPow25To7 = 6103515625.0;  // 25^7
  const double l1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
  const double l2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
  // eq. 2-4: a* is stretched by (1 + G) so that neutral colours get their hue difference right.
  const double c1 = std::sqrt(a1 * a1 + b1 * b1);
  const double c2 = std::sqrt(a2 * a2 + b2 * b2);
  const double c_mean = 0.5 * (c1 + c2);
  const double c_mean7 = std::pow(c_mean, 7.0);
  const double g = 0.5 * (1.0 - std::sqrt(c_mean7 / (c_mean7 + kPow25To7)));
  const double a1p = (1.0 + g) * a1;
  const double a2p = (1.0 + g) * a2;
  // eq. 6-7: C' and h' (h' in [0, 360), 0 when a' = b = 0).
  const double c1p = std::sqrt(a1p * a1p + b1 * b1);
  const double c2p = std::sqrt(a2p * a2p + b2 * b2);
  const auto hue = [&](double b, double ap) {
    if (b == 0.0 && ap == 0.0) return 0.0;
    const double h = std::atan2(b, ap) / kDeg;
    return h < 0.0 ? h + 360.0 : h;
  };
  const double h1p = hue(b1, a1p);
  const double h2p = hue(b2, a2p);
  // eq. 8-11: differences; the hue difference takes the short way round the circle.
  const double dl = l2 - l1;
  const double dc = c2p - c1p;
  double dh = 0.0;
  if (c1p * c2p != 0.0) {
    dh = h2p - h1p;
    if (dh > 180.0) {
      dh -= 360.0;
    } else if (dh < -180.0) {
      dh += 360.0;
    }
  }
  const double dh_big = 2.0 * std::sqrt(c1p * c2p) * std::sin(0.5 * dh * kDeg);
  // eq. 12-14: means; the mean hue also takes the short way round (eq. 14's four cases).
  const double l_mean = 0.5 * (l1 + l2);
  const double cp_mean = 0.5 * (c1p + c2p);
  double h_mean = h1p + h2p;
  if (c1p * c2p != 0.0) {
    if (std::abs(h1p - h2p) <= 180.0) {
      h_mean *= 0.5;
    } else if (h1p + h2p < 360.0) {
      h_mean = 0.5 * (h_mean + 360.0);
    } else {
      h_mean = 0.5 * (h_mean - 360.0);
    }
  }
  // eq. 15-22: weighting functions and the rotation term for blues.
  const double t =
      1.0 - 0.17 * std::cos((h_mean - 30.0) * kDeg) + 0.24 * std::cos(2.0 * h_mean * kDeg) +
      0.32 * std::cos((3.0 * h_mean + 6.0) * kDeg) - 0.20 * std::cos((4.0 * h_mean - 63.0) * kDeg);
  const double d_theta = 30.0 * std::exp(-std::pow((h_mean - 275.0) / 25.0, 2.0));
  const double cp_mean7 = std::pow(cp_mean, 7.0);
  const double r_c = 2.0 * std::sqrt(cp_mean7 / (cp_mean7 + kPow25To7));
  const double l50 = (l_mean - 50.0) * (l_mean - 50.0);
  const double s_l = 1.0 + 0.015 * l50 / std::sqrt(20.0 + l50);
  const double s_c = 1.0 + 0.045 * cp_mean;
  const double s_h = 1.0 + 0.015 * cp_mean * t;
  const double r_t = -std::sin(2.0 * d_theta * kDeg) * r_c;
  const double tl = dl / s_l, tc = dc / s_c, th = dh_big / s_h;
  return std::sqrt(std::max(0.0, tl * tl + tc * tc + th * th + r_t * tc * th));
}

void delta_e2000_srgb(const float* rgb1, const float* rgb2, float* out, std::size_t n) {
  constexpr std::size_t kBlock = 256;
  float lab1[3 * kBlock], lab2[3 * kBlock];
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t count = std::min(kBlock, n - begin);
    srgb_to_lab(rgb1 + 3 * begin, lab1, count);
    srgb_to_lab(rgb2 + 3 * begin, lab2, count);
    for (std::size_t i = 0; i < count; ++i) {
      out[begin + i] = static_cast<float>(delta_e2000(lab1 + 3 * i, lab2 + 3 * i));
    }
  }
}

}  // namespace supercolor
