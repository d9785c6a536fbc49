// A small portable 4-lane float vector for the loops the auto-vectoriser does not deliver
// (fusion's weighted sums and box bounds: selects and clamps stop GCC 12 from vectorising
// them). One type, three backends chosen at compile time: wasm SIMD128 (wasm_simd128.h, under
// -msimd128), SSE2 natively (every x86-64 CPU has it), and a plain scalar fallback. All three
// compute the same IEEE single-precision operations, so results do not depend on the backend
// beyond what the compiler's own contraction choices allow (none: no -ffast-math, no FMA).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define SUPERCOLOR_SIMD_WASM 1
#elif defined(__SSE2__)
#include <immintrin.h>
#define SUPERCOLOR_SIMD_SSE2 1
#endif

namespace supercolor::simd {

constexpr int kWidth = 4;

#if defined(SUPERCOLOR_SIMD_WASM)

struct Float4 {
  v128_t v;
};
inline Float4 load(const float* p) { return {wasm_v128_load(p)}; }
inline void store(float* p, Float4 a) { wasm_v128_store(p, a.v); }
inline Float4 broadcast(float x) { return {wasm_f32x4_splat(x)}; }
inline Float4 operator+(Float4 a, Float4 b) { return {wasm_f32x4_add(a.v, b.v)}; }
inline Float4 operator-(Float4 a, Float4 b) { return {wasm_f32x4_sub(a.v, b.v)}; }
inline Float4 operator*(Float4 a, Float4 b) { return {wasm_f32x4_mul(a.v, b.v)}; }
// Lane-wise a < b ? a : b and a > b ? a : b (pmin/pmax: the x86 minps/maxps semantics).
inline Float4 min(Float4 a, Float4 b) { return {wasm_f32x4_pmin(a.v, b.v)}; }
inline Float4 max(Float4 a, Float4 b) { return {wasm_f32x4_pmax(a.v, b.v)}; }
inline Float4 abs(Float4 a) { return {wasm_f32x4_abs(a.v)}; }
// Mask: all bits set in the lanes where a < b.
inline Float4 less(Float4 a, Float4 b) { return {wasm_f32x4_lt(a.v, b.v)}; }
// mask ? a : 0, lane-wise.
inline Float4 keep(Float4 mask, Float4 a) { return {wasm_v128_and(mask.v, a.v)}; }
inline bool any(Float4 mask) { return wasm_v128_any_true(mask.v); }
// Integer view of the bits: a + n, a - n, a << shift on the 32-bit lanes.
inline Float4 add_bits(Float4 a, int32_t n) { return {wasm_i32x4_add(a.v, wasm_i32x4_splat(n))}; }
template <int kShift>
inline Float4 shift_left_bits(Float4 a) {
  return {wasm_i32x4_shl(a.v, kShift)};
}

#elif defined(SUPERCOLOR_SIMD_SSE2)

struct Float4 {
  __m128 v;
};
inline Float4 load(const float* p) { return {_mm_loadu_ps(p)}; }
inline void store(float* p, Float4 a) { _mm_storeu_ps(p, a.v); }
inline Float4 broadcast(float x) { return {_mm_set1_ps(x)}; }
inline Float4 operator+(Float4 a, Float4 b) { return {_mm_add_ps(a.v, b.v)}; }
inline Float4 operator-(Float4 a, Float4 b) { return {_mm_sub_ps(a.v, b.v)}; }
inline Float4 operator*(Float4 a, Float4 b) { return {_mm_mul_ps(a.v, b.v)}; }
inline Float4 min(Float4 a, Float4 b) { return {_mm_min_ps(a.v, b.v)}; }
inline Float4 max(Float4 a, Float4 b) { return {_mm_max_ps(a.v, b.v)}; }
inline Float4 abs(Float4 a) {
  return {_mm_andnot_ps(_mm_set1_ps(-0.0f), a.v)};  // clear the sign bits
}
inline Float4 less(Float4 a, Float4 b) { return {_mm_cmplt_ps(a.v, b.v)}; }
inline Float4 keep(Float4 mask, Float4 a) { return {_mm_and_ps(mask.v, a.v)}; }
inline bool any(Float4 mask) { return _mm_movemask_ps(mask.v) != 0; }
inline Float4 add_bits(Float4 a, int32_t n) {
  return {_mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(a.v), _mm_set1_epi32(n)))};
}
template <int kShift>
inline Float4 shift_left_bits(Float4 a) {
  return {_mm_castsi128_ps(_mm_slli_epi32(_mm_castps_si128(a.v), kShift))};
}

#else  // scalar fallback

struct Float4 {
  float v[kWidth];
};
inline Float4 load(const float* p) {
  Float4 r;
  std::memcpy(r.v, p, sizeof r.v);
  return r;
}
inline void store(float* p, Float4 a) { std::memcpy(p, a.v, sizeof a.v); }
inline Float4 broadcast(float x) { return {{x, x, x, x}}; }
template <typename Op>
inline Float4 lanewise(Float4 a, Float4 b, Op op) {
  Float4 r;
  for (int l = 0; l < kWidth; ++l) r.v[l] = op(a.v[l], b.v[l]);
  return r;
}
inline Float4 operator+(Float4 a, Float4 b) {
  return lanewise(a, b, [](float x, float y) { return x + y; });
}
inline Float4 operator-(Float4 a, Float4 b) {
  return lanewise(a, b, [](float x, float y) { return x - y; });
}
inline Float4 operator*(Float4 a, Float4 b) {
  return lanewise(a, b, [](float x, float y) { return x * y; });
}
inline Float4 min(Float4 a, Float4 b) {
  return lanewise(a, b, [](float x, float y) { return x < y ? x : y; });
}
inline Float4 max(Float4 a, Float4 b) {
  return lanewise(a, b, [](float x, float y) { return x > y ? x : y; });
}
inline uint32_t bits_of(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
inline float float_of(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
inline Float4 abs(Float4 a) {
  Float4 r;
  for (int l = 0; l < kWidth; ++l) r.v[l] = float_of(bits_of(a.v[l]) & 0x7fffffffu);
  return r;
}
inline Float4 less(Float4 a, Float4 b) {
  Float4 r;
  for (int l = 0; l < kWidth; ++l) r.v[l] = float_of(a.v[l] < b.v[l] ? 0xffffffffu : 0u);
  return r;
}
inline Float4 keep(Float4 mask, Float4 a) {
  Float4 r;
  for (int l = 0; l < kWidth; ++l) r.v[l] = float_of(bits_of(mask.v[l]) & bits_of(a.v[l]));
  return r;
}
inline bool any(Float4 mask) {
  uint32_t bits = 0;
  for (int l = 0; l < kWidth; ++l) bits |= bits_of(mask.v[l]);
  return bits != 0;
}
// Unsigned arithmetic: wraps like the SIMD integer lanes do (no signed-overflow UB).
inline Float4 add_bits(Float4 a, int32_t n) {
  Float4 r;
  for (int l = 0; l < kWidth; ++l) r.v[l] = float_of(bits_of(a.v[l]) + static_cast<uint32_t>(n));
  return r;
}
template <int kShift>
inline Float4 shift_left_bits(Float4 a) {
  Float4 r;
  for (int l = 0; l < kWidth; ++l) r.v[l] = float_of(bits_of(a.v[l]) << kShift);
  return r;
}

#endif

}  // namespace supercolor::simd
