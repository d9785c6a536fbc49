// A vectorisable exp for the weights of eq. 5 (fusion). std::exp does not vectorise under GCC
// or clang's wasm target, and Eigen has no wasm SIMD backend. (attention.cpp keeps its own
// variant with the clamping folded in: calling this one from that loop stops GCC 12 from
// vectorising it.)
#pragma once

#include <cstdint>
#include <cstring>

#include "simd.h"

namespace supercolor {

// Smallest argument exp_nonpositive accepts: exp(-87) ~ 1.6e-38 is still a normal float.
constexpr float kMinExponent = -87.0f;

namespace fast_exp_constants {
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kRoundingShift = 12582912.0f;  // 1.5 * 2^23, bit pattern 0x4B400000
constexpr int32_t kRoundingShiftBits = 0x4B400000;
constexpr float kLn2High = 0.693145751953125f;  // few mantissa bits: n * kLn2High is exact
constexpr float kLn2Low = 1.42860682030941723e-6f;
}  // namespace fast_exp_constants

// exp(x) for x in [kMinExponent, 0] (callers clamp), branch-free so that loops over it
// vectorise: x = n ln2 + r with |r| <= ln2/2, exp(r) by its degree-6 Taylor polynomial
// (truncation < 1.2e-7 relative; measured error < 3e-7), and 2^n written into the exponent
// bits. Relies on IEEE float semantics (no -ffast-math): adding 1.5 * 2^23 rounds x log2(e) to
// the nearest integer n and leaves n in the low mantissa bits, read back as an integer (no
// float-to-int conversion, which would keep GCC from vectorising the loop).
inline float exp_nonpositive(float x) {
  using namespace fast_exp_constants;
  const float shifted = x * kLog2e + kRoundingShift;
  const float n = shifted - kRoundingShift;  // in [-126, 0]
  float r = x - n * kLn2High;
  r = r - n * kLn2Low;
  float poly = 1.0f / 720.0f;
  poly = poly * r + 1.0f / 120.0f;
  poly = poly * r + 1.0f / 24.0f;
  poly = poly * r + 1.0f / 6.0f;
  poly = poly * r + 0.5f;
  poly = poly * r + 1.0f;
  poly = poly * r + 1.0f;
  int32_t shifted_bits;
  std::memcpy(&shifted_bits, &shifted, sizeof shifted_bits);
  const int32_t exponent_bits = (shifted_bits - kRoundingShiftBits + 127) << 23;  // 2^n
  float scale;
  std::memcpy(&scale, &exponent_bits, sizeof scale);
  return poly * scale;
}

// The same exp_nonpositive on four lanes at once (simd.h), operation for operation.
inline simd::Float4 exp_nonpositive(simd::Float4 x) {
  using namespace fast_exp_constants;
  using simd::broadcast;
  const simd::Float4 shifted = x * broadcast(kLog2e) + broadcast(kRoundingShift);
  const simd::Float4 n = shifted - broadcast(kRoundingShift);
  simd::Float4 r = x - n * broadcast(kLn2High);
  r = r - n * broadcast(kLn2Low);
  simd::Float4 poly = broadcast(1.0f / 720.0f);
  poly = poly * r + broadcast(1.0f / 120.0f);
  poly = poly * r + broadcast(1.0f / 24.0f);
  poly = poly * r + broadcast(1.0f / 6.0f);
  poly = poly * r + broadcast(0.5f);
  poly = poly * r + broadcast(1.0f);
  poly = poly * r + broadcast(1.0f);
  // 2^n: the integer n sits in the low mantissa bits of `shifted`.
  const simd::Float4 scale =
      simd::shift_left_bits<23>(simd::add_bits(shifted, 127 - kRoundingShiftBits));
  return poly * scale;
}

}  // namespace supercolor
