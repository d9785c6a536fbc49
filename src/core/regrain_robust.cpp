// Robust re-graining (issue 9): the fused image's colours with the target's detail, without the
// faults of Pitie's scheme (regrain.cpp) on grey references, flat and small targets and dark
// references. Figures: tools/eval-regrain.sh (dev pairs), tests/cpp/regrain_robust_test.cpp.
//
// J minimises, for each channel c of a luma / opponent-chroma decomposition,
//   sum_p psi_p (J_c(p) - I1_c(p))^2 + sum_{p~q} phi_pq (J_c(p) - J_c(q) - g_c(p,q))^2,
//   g_c(p,q) = k_c(p,q) (I0_c(p) - I0_c(q)),
// I0 the target, I1 the fused image, p~q the 4-neighbour pairs inside the image. Against Pitie's
// energy (regrain.m; method.md §1.7) it changes, fault by fault:
//  * Grey reference. Channels Y = (R+G+B)/3, C1 = R-G, C2 = (R+G)/2-B (linear; C1 = C2 = 0
//    exactly when R = G = B). Chroma detail is followed only as far as the fused image has
//    chroma: k_C = min(1, |C(I1)| / (|C(I0)| + 0.02)). A grey I1 has k_C = 0 and I1_C = 0, so
//    J_C = 0 exactly: grey (Pitie's brought the target's colour edges back, chroma up to ~90).
//  * Flat target / halos. The solve starts from I1, not I0. psi = max(floor, min(256 d / 5, 1))
//    with d the ONE-SIDED gradient (per axis the smaller of the forward and backward
//    differences, doubled to match Pitie's central one on ramps), so a pixel beside a step edge
//    counts as flat; the small floor gives every flat region a colour: the psi-weighted mean of
//    I1 over it, because phi >> floor makes it flat. Edges from a flat pixel across a step of the
//    target are released, phi_pq / (1 + (|I0(p)-I0(q)| / 0.05)^2 (1 - min(psi_p, psi_q))), so a
//    flat background is not dragged by the colour shift along the photo's border (the halo).
//    Edges inside textured regions keep Pitie's phi: on the dev pairs, releasing every step edge
//    cost 0.03 of mean SSIM(L*).
//  * Small targets. Levels recurse down to 8 px sides (Pitie: 20 px, and at most 6 levels), the
//    coarsest level is swept ~(w+h)^2 times, and below 256 px on the short side phi0 (30) and the
//    floor shrink in proportion, so the gradient term spans the same fraction of a thumbnail as of
//    a photo (Pitie kept ~5 % of the fused shift at 60x40).
//  * Dark references. The luma detail is scaled into the room the fused luma leaves towards black
//    and white: k_Y = clamp(min((Y1+e)/(Y0+e), (1-Y1+e)/(1-Y0+e)) / 0.7, 0, 1), e = 0.02, with
//    Y0, Y1 the block means of I0, I1 over 16x16 px (pyramid level 4, bilinearly interpolated),
//    where I1 and I0 are equally blurred; per pixel, the blur of I1 across the target's edges would
//    weaken exactly the edges. The 0.7 knee leaves ordinary pairs (fused within 30 % of the
//    target's range) untouched: without it mean SSIM(L*) fell by 0.01. A reference at 15 %
//    brightness crushed 7.8 % of Pitie's pixels to black.
// phi is Pitie's otherwise: phi_p = phi0 2^-level / (1 + 10 |grad I0|_central / smoothness),
// phi_pq = (phi_p + phi_q) / 2.
//
// Solver: multiscale like Pitie's (2x2 box-downsampled pyramid, coarsest level first, each result
// bilinearly upsampled as the next level's start, params.iterations[min(level, size-1)] sweeps),
// with red-black Gauss-Seidel sweeps in place: a red pixel reads only black ones, so rows run in
// parallel and the result does not depend on the thread count. Channels are solved one after the
// other. Memory at the full-size level (the caller's interleaved images are read in place): the
// solution (3 planes), psi, phi_right, phi_down, one channel's right-hand side and its gain plane:
// 8 float planes = 32 bytes per pixel at the peak (phi/2 is a 9th plane briefly while the edge
// weights are built, before the right-hand side exists); coarser levels add a third of that.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "regrain.h"

namespace supercolor {
namespace {

// Floor of psi at phi0 = 30. In a flat region a difference from the region's colour fades over
// ~sqrt(phi / floor) = 55 px at the finest level (longer at coarser ones): flat regions come out
// flat (one colour, +-1 level, for a flat 96x64 target whose fused image spans 100 levels).
constexpr float kDataFloor = 0.01f;
constexpr float kPhi = 30.0f;           // Pitie's phi0
constexpr float kFullPhiSide = 256.0f;  // short side from which phi0 and the floor are full
constexpr float kStepJump = 0.05f;      // j0 of the released step edges (RGB norm)
constexpr float kLumaRangeEps = 0.02f;  // e of k_Y: ~5 levels
constexpr float kLumaGainKnee = 0.7f;   // k_Y reaches 1 at a range ratio of 0.7
constexpr float kChromaEps = 0.02f;     // of k_C: ~5 levels of chroma
constexpr int kGainLevel = 4;           // k_Y, k_C from 16x16 px block means
constexpr int kMinCoarseSide = 8;       // recurse while both halved sides are at least this
constexpr std::size_t kMinParallelPixels = 1 << 15;
constexpr std::size_t kRowsPerChunk = 8;

// Three channel planes (Y, C1, C2) of one level.
struct Planes {
  int width = 0;
  int height = 0;
  std::vector<float> data;  // 3 * height * width, plane c at c * height * width

  Planes() = default;
  Planes(int w, int h) : width(w), height(h), data(3 * std::size_t(w) * h) {}
  std::size_t plane_size() const { return std::size_t(width) * height; }
  float* plane(int c) { return data.data() + c * plane_size(); }
  const float* plane(int c) const { return data.data() + c * plane_size(); }
  float channel(int c, std::size_t p) const { return data[c * plane_size() + p]; }
};

// The caller's interleaved sRGB image seen as Y, C1, C2 planes, converted on the fly so that the
// full-size level needs no copy of its inputs.
struct RgbView {
  const RgbImage* image;
  float channel(int c, std::size_t p) const {
    const float* rgb = image->rgb.data() + 3 * p;
    switch (c) {
      case 0:
        return (rgb[0] + rgb[1] + rgb[2]) * (1.0f / 3.0f);
      case 1:
        return rgb[0] - rgb[1];
      default:
        return 0.5f * (rgb[0] + rgb[1]) - rgb[2];
    }
  }
};

// |grad|^2 in RGB from differences of Y, C1, C2: R^2+G^2+B^2 = 3 Y^2 + C1^2 / 2 + 2 C2^2 / 3.
constexpr float kWeightY = 3.0f, kWeightC1 = 0.5f, kWeightC2 = 2.0f / 3.0f;
constexpr float kChannelWeight[3] = {kWeightY, kWeightC1, kWeightC2};

Context level_context(const Context& ctx, std::size_t pixels) {
  Context level = ctx;
  if (pixels < kMinParallelPixels) level.threads = 1;
  return level;
}

void for_rows(const Context& ctx, int height, const std::function<void(int, int)>& body) {
  parallel_for(ctx, 0, static_cast<std::size_t>(height), kRowsPerChunk,
               [&](std::size_t y_begin, std::size_t y_end) { body(int(y_begin), int(y_end)); });
}

// 2x2 box average to (ceil(w/2), ceil(h/2)); an odd last row/column averages with itself.
template <typename View>
Planes downsample(const View& source, int width, int height, const Context& ctx) {
  Planes result((width + 1) / 2, (height + 1) / 2);
  for_rows(level_context(ctx, result.plane_size()), result.height, [&](int y_begin, int y_end) {
    for (int c = 0; c < 3; ++c) {
      float* out = result.plane(c);
      for (int y = y_begin; y < y_end; ++y) {
        const std::size_t row0 = std::size_t(2 * y) * width;
        const std::size_t row1 = std::size_t(std::min(2 * y + 1, height - 1)) * width;
        for (int x = 0; x < result.width; ++x) {
          const int x0 = 2 * x, x1 = std::min(2 * x + 1, width - 1);
          out[std::size_t(y) * result.width + x] =
              0.25f * (source.channel(c, row0 + x0) + source.channel(c, row0 + x1) +
                       source.channel(c, row1 + x0) + source.channel(c, row1 + x1));
        }
      }
    }
  });
  return result;
}

// Bilinear source taps of one axis, half-pixel centres, clamped at the ends.
struct AxisTaps {
  std::vector<int> first, second;
  std::vector<float> weight;  // of `second`
};

AxisTaps axis_taps(int source_size, int destination_size) {
  AxisTaps taps;
  taps.first.resize(destination_size);
  taps.second.resize(destination_size);
  taps.weight.resize(destination_size);
  const double scale = static_cast<double>(source_size) / destination_size;
  for (int d = 0; d < destination_size; ++d) {
    const double position = std::clamp((d + 0.5) * scale - 0.5, 0.0, double(source_size - 1));
    const int first = std::min(static_cast<int>(position), source_size - 1);
    taps.first[d] = first;
    taps.second[d] = std::min(first + 1, source_size - 1);
    taps.weight[d] = static_cast<float>(position - first);
  }
  return taps;
}

Planes upsample(const Planes& source, int width, int height, const Context& ctx) {
  Planes result(width, height);
  const AxisTaps columns = axis_taps(source.width, width);
  const AxisTaps rows = axis_taps(source.height, height);
  for_rows(level_context(ctx, result.plane_size()), height, [&](int y_begin, int y_end) {
    for (int c = 0; c < 3; ++c) {
      const float* in = source.plane(c);
      float* out = result.plane(c);
      for (int y = y_begin; y < y_end; ++y) {
        const float* row0 = in + std::size_t(rows.first[y]) * source.width;
        const float* row1 = in + std::size_t(rows.second[y]) * source.width;
        const float fy = rows.weight[y];
        for (int x = 0; x < width; ++x) {
          const int x0 = columns.first[x], x1 = columns.second[x];
          const float fx = columns.weight[x];
          const float top = row0[x0] + fx * (row0[x1] - row0[x0]);
          const float bottom = row1[x0] + fx * (row1[x1] - row1[x0]);
          out[std::size_t(y) * width + x] = top + fy * (bottom - top);
        }
      }
    }
  });
  return result;
}

template <typename View>
Planes copy_planes(const View& source, int width, int height) {
  Planes result(width, height);
  for (int c = 0; c < 3; ++c) {
    float* out = result.plane(c);
    for (std::size_t p = 0; p < result.plane_size(); ++p) out[p] = source.channel(c, p);
  }
  return result;
}

// Gains of the target's detail at one pixel of a level (see the file comment): luma (index 0)
// and chroma (index 1). Computed on a coarse level (blocks of 2^kGainLevel px), where the fused
// image and the target are compared at the same blur: at full size the fused image is blurred
// across the target's edges and a per-pixel ratio would weaken exactly the edges.
template <typename View>
void pixel_gains(const View& target, const View& fused, std::size_t p, float* luma, float* chroma) {
  const float t = target.channel(0, p), f = fused.channel(0, p);
  const float towards_black = (f + kLumaRangeEps) / (std::max(t, 0.0f) + kLumaRangeEps);
  const float towards_white =
      (1.0f - f + kLumaRangeEps) / (std::max(1.0f - t, 0.0f) + kLumaRangeEps);
  *luma = std::clamp(std::min(towards_black, towards_white) / kLumaGainKnee, 0.0f, 1.0f);
  const auto magnitude = [p](const View& image) {
    const float c1 = image.channel(1, p), c2 = image.channel(2, p);
    return std::sqrt(kWeightC1 * c1 * c1 + kWeightC2 * c2 * c2);
  };
  *chroma = std::min(1.0f, magnitude(fused) / (magnitude(target) + kChromaEps));
}

// Luma and chroma gain planes of one level.
struct GainField {
  int width = 0, height = 0;
  std::vector<float> luma, chroma;
};

template <typename View>
GainField gain_field(const View& target, const View& fused, int width, int height) {
  GainField field{width, height, std::vector<float>(std::size_t(width) * height),
                  std::vector<float>(std::size_t(width) * height)};
  for (std::size_t p = 0; p < field.luma.size(); ++p) {
    pixel_gains(target, fused, p, &field.luma[p], &field.chroma[p]);
  }
  return field;
}

// Bilinear resize of one plane of `field` to width x height.
std::vector<float> upsample_gain(const GainField& field, bool chroma, int width, int height,
                                 const Context& ctx) {
  const std::vector<float>& source = chroma ? field.chroma : field.luma;
  if (field.width == width && field.height == height) return source;
  std::vector<float> result(std::size_t(width) * height);
  const AxisTaps columns = axis_taps(field.width, width);
  const AxisTaps rows = axis_taps(field.height, height);
  for_rows(level_context(ctx, result.size()), height, [&](int y_begin, int y_end) {
    for (int y = y_begin; y < y_end; ++y) {
      const float* row0 = source.data() + std::size_t(rows.first[y]) * field.width;
      const float* row1 = source.data() + std::size_t(rows.second[y]) * field.width;
      const float fy = rows.weight[y];
      for (int x = 0; x < width; ++x) {
        const int x0 = columns.first[x], x1 = columns.second[x];
        const float fx = columns.weight[x];
        const float top = row0[x0] + fx * (row0[x1] - row0[x0]);
        const float bottom = row1[x0] + fx * (row1[x1] - row1[x0]);
        result[std::size_t(y) * width + x] = top + fy * (bottom - top);
      }
    }
  });
  return result;
}

struct LevelResult {
  Planes solution;
  GainField gains;  // of level min(kGainLevel, coarsest level), or of this level if coarser
};

// One level: coarser levels first, then red-black sweeps per channel. Returns the solution and
// the gains that the finer levels interpolate.
// 2x2 box average of one plane (the coverage), as `downsample`.
std::vector<float> downsample_plane(const std::vector<float>& source, int width, int height) {
  const int half_width = (width + 1) / 2, half_height = (height + 1) / 2;
  std::vector<float> result(std::size_t(half_width) * half_height);
  for (int y = 0; y < half_height; ++y) {
    const std::size_t row0 = std::size_t(2 * y) * width;
    const std::size_t row1 = std::size_t(std::min(2 * y + 1, height - 1)) * width;
    for (int x = 0; x < half_width; ++x) {
      const int x0 = 2 * x, x1 = std::min(2 * x + 1, width - 1);
      result[std::size_t(y) * half_width + x] =
          0.25f * (source[row0 + x0] + source[row0 + x1] + source[row1 + x0] + source[row1 + x1]);
    }
  }
  return result;
}

// coverage: empty (opaque: the solver as it is) or this level's coverage (regrain.h): in the
// equation of a visible pixel p every edge p~q is weighted by alpha_q.
template <typename View>
LevelResult solve_level(const View& target, const View& fused, int width, int height,
                        const RegrainParams& params, float phi0, std::size_t level,
                        const std::vector<float>& coverage, const Context& ctx) {
  ctx.check_cancelled();
  const int half_width = (width + 1) / 2, half_height = (height + 1) / 2;
  LevelResult result;
  Planes& solution = result.solution;
  const bool coarsest = half_width < kMinCoarseSide || half_height < kMinCoarseSide;
  if (!coarsest) {
    LevelResult coarse;
    {
      const Planes coarse_target = downsample(target, width, height, ctx);
      const Planes coarse_fused = downsample(fused, width, height, ctx);
      const std::vector<float> coarse_coverage =
          coverage.empty() ? std::vector<float>() : downsample_plane(coverage, width, height);
      coarse = solve_level(coarse_target, coarse_fused, half_width, half_height, params, phi0,
                           level + 1, coarse_coverage, ctx);
    }
    solution = upsample(coarse.solution, width, height, ctx);
    if (int(level) < kGainLevel) result.gains = std::move(coarse.gains);
  } else {
    solution = copy_planes(fused, width, height);  // start from the fused image
  }
  // Levels finer than kGainLevel use its gains (interpolated); it and coarser levels their own.
  if (result.gains.width == 0) result.gains = gain_field(target, fused, width, height);

  const std::size_t n = std::size_t(width) * height;
  const Context level_ctx = level_context(ctx, n);
  std::vector<float> psi(n), phi_right(n), phi_down(n);
  {
    // phi_p / 2 first; phi_right / phi_down then hold phi_pq for the edges to p+1 and p+width.
    std::vector<float> half_phi(n);
    // The floor scales with phi0, so that flat regions smooth over the same length at any size.
    const float psi_floor = kDataFloor * (phi0 / kPhi);
    const float phi_scale = static_cast<float>(phi0 * std::ldexp(1.0, -int(level)));
    const float gradient_weight = static_cast<float>(10.0 / params.smoothness);
    for_rows(level_ctx, height, [&](int y_begin, int y_end) {
      for (int y = y_begin; y < y_end; ++y) {
        const std::size_t row = std::size_t(y) * width;
        const std::size_t row_up = std::size_t(std::max(y - 1, 0)) * width;
        const std::size_t row_down = std::size_t(std::min(y + 1, height - 1)) * width;
        for (int x = 0; x < width; ++x) {
          const int x_left = std::max(x - 1, 0), x_right = std::min(x + 1, width - 1);
          float central = 0.0f, forward_x = 0.0f, backward_x = 0.0f, forward_y = 0.0f,
                backward_y = 0.0f;
          for (int c = 0; c < 3; ++c) {
            const float weight = kChannelWeight[c];
            const float centre = target.channel(c, row + x);
            const float right = target.channel(c, row + x_right) - centre;
            const float left = centre - target.channel(c, row + x_left);
            const float down = target.channel(c, row_down + x) - centre;
            const float up = centre - target.channel(c, row_up + x);
            central += weight * ((right + left) * (right + left) + (down + up) * (down + up));
            forward_x += weight * right * right;
            backward_x += weight * left * left;
            forward_y += weight * down * down;
            backward_y += weight * up * up;
          }
          const float delta = std::sqrt(central);
          const float one_sided =
              2.0f * std::sqrt(std::min(forward_x, backward_x) + std::min(forward_y, backward_y));
          psi[row + x] = std::max(psi_floor, std::min(256.0f * one_sided / 5.0f, 1.0f));
          half_phi[row + x] = 0.5f * phi_scale / (1.0f + gradient_weight * delta);
        }
      }
    });
    // An edge from a flat pixel (psi at the floor) across a step of the target is released:
    // phi_pq / (1 + (|I0(p) - I0(q)| / j0)^2 (1 - min(psi_p, psi_q)) ).
    const auto edge_phi = [&](std::size_t p, std::size_t q) {
      float jump2 = 0.0f;
      for (int c = 0; c < 3; ++c) {
        const float d = target.channel(c, p) - target.channel(c, q);
        jump2 += kChannelWeight[c] * d * d;
      }
      const float flatness = 1.0f - std::min(psi[p], psi[q]);
      return (half_phi[p] + half_phi[q]) /
             (1.0f + jump2 * (1.0f / (kStepJump * kStepJump)) * flatness);
    };
    for_rows(level_ctx, height, [&](int y_begin, int y_end) {
      for (int y = y_begin; y < y_end; ++y) {
        for (int x = 0; x < width; ++x) {
          const std::size_t p = std::size_t(y) * width + x;
          phi_right[p] = x + 1 < width ? edge_phi(p, p + 1) : 0.0f;
          phi_down[p] = y + 1 < height ? edge_phi(p, p + width) : 0.0f;
        }
      }
    });
  }

  int iterations = params.iterations[std::min(level, params.iterations.size() - 1)];
  if (coarsest) {
    // The coarsest level carries the colour across flat regions, where psi is small: sweep it
    // about (w + h)^2 times (the slowest mode of Gauss-Seidel on an N-px side decays like
    // 1 - c/N^2), bounded to 2^22 pixel updates for thin strips.
    const long long wanted = (long long)(width + height) * (width + height);
    const long long cap = std::max<long long>(iterations, (1LL << 22) / (long long)n);
    iterations = int(std::clamp<long long>(wanted, iterations, cap));
  }
  // Transparency (regrain.h): the edge weights as seen from p, phi_pq alpha_q for a visible p
  // (phi_pq for a hidden one), per pixel and direction (left, right, up, down; 0 where there is
  // no edge), and psi plus their sum. Built once per level, weighted images only.
  const bool weighted = !coverage.empty();
  std::vector<float> coupling, weighted_denominator;
  if (weighted) {
    coupling.assign(4 * n, 0.0f);
    weighted_denominator.assign(n, 0.0f);
    for_rows(level_ctx, height, [&](int y_begin, int y_end) {
      for (int y = y_begin; y < y_end; ++y) {
        for (int x = 0; x < width; ++x) {
          const std::size_t p = std::size_t(y) * width + x;
          const bool visible = coverage[p] > 0.0f;
          float* out = &coupling[4 * p];
          const auto seen = [&](std::size_t q, float phi) {
            return phi * (visible ? coverage[q] : 1.0f);
          };
          if (x > 0) out[0] = seen(p - 1, phi_right[p - 1]);
          if (x + 1 < width) out[1] = seen(p + 1, phi_right[p]);
          if (y > 0) out[2] = seen(p - width, phi_down[p - width]);
          if (y + 1 < height) out[3] = seen(p + width, phi_down[p]);
          weighted_denominator[p] = psi[p] + out[0] + out[1] + out[2] + out[3];
        }
      }
    });
  }
  std::vector<float> base(n), gain;
  for (int c = 0; c < 3; ++c) {
    if (c < 2) gain = upsample_gain(result.gains, c == 1, width, height, ctx);
    // base = psi I1 + sum_q phi_pq k_pq (I0(p) - I0(q)), k_pq = (k_p + k_q) / 2.
    for_rows(level_ctx, height, [&](int y_begin, int y_end) {
      for (int y = y_begin; y < y_end; ++y) {
        for (int x = 0; x < width; ++x) {
          const std::size_t p = std::size_t(y) * width + x;
          const float target_p = target.channel(c, p);
          float sum = psi[p] * fused.channel(c, p);
          const auto add = [&](std::size_t q, float phi) {
            sum += phi * 0.5f * (gain[p] + gain[q]) * (target_p - target.channel(c, q));
          };
          if (weighted) {
            const float* w = &coupling[4 * p];
            if (x > 0) add(p - 1, w[0]);
            if (x + 1 < width) add(p + 1, w[1]);
            if (y > 0) add(p - width, w[2]);
            if (y + 1 < height) add(p + width, w[3]);
            base[p] = sum;
            continue;
          }
          if (x > 0) add(p - 1, phi_right[p - 1]);
          if (x + 1 < width) add(p + 1, phi_right[p]);
          if (y > 0) add(p - width, phi_down[p - width]);
          if (y + 1 < height) add(p + width, phi_down[p]);
          base[p] = sum;
        }
      }
    });

    // Red-black Gauss-Seidel: J(p) = (base + sum_q phi_pq J(q)) / (psi + sum_q phi_pq).
    float* j = solution.plane(c);
    // The weighted sweep over rows [y_begin, y_end) of one colour (kept apart from the opaque
    // loop below, which stays exactly as it was).
    const auto sweep_rows_weighted = [&](int y_begin, int y_end, int parity) {
      for (int y = y_begin; y < y_end; ++y) {
        const std::size_t row = std::size_t(y) * width;
        for (int x = (y + parity) & 1; x < width; x += 2) {
          const std::size_t p = row + x;
          const float* w = &coupling[4 * p];
          // Where there is no edge the coupling is 0; the clamped index is then harmless.
          const float numerator =
              base[p] + w[0] * j[x > 0 ? p - 1 : p] + w[1] * j[x + 1 < width ? p + 1 : p] +
              w[2] * j[y > 0 ? p - width : p] + w[3] * j[y + 1 < height ? p + width : p];
          j[p] = numerator / weighted_denominator[p];
        }
      }
    };
    for (int iteration = 0; iteration < iterations; ++iteration) {
      for (int parity = 0; parity < 2; ++parity) {
        for_rows(level_ctx, height, [&](int y_begin, int y_end) {
          if (weighted) {
            sweep_rows_weighted(y_begin, y_end, parity);
            return;
          }
          for (int y = y_begin; y < y_end; ++y) {
            const std::size_t row = std::size_t(y) * width;
            // Edges to the row above / below; none outside the image.
            const float* up_phi = y > 0 ? phi_down.data() + row - width : nullptr;
            const float* down_phi = y + 1 < height ? phi_down.data() + row : nullptr;
            const float* right_phi = phi_right.data() + row;
            const float* row_j = j + row;
            for (int x = (y + parity) & 1; x < width; x += 2) {
              float numerator = base[row + x], denominator = psi[row + x];
              if (x > 0) {
                numerator += right_phi[x - 1] * row_j[x - 1];
                denominator += right_phi[x - 1];
              }
              // right_phi[width - 1] is 0: no edge leaves the last column.
              if (x + 1 < width) numerator += right_phi[x] * row_j[x + 1];
              denominator += right_phi[x];
              if (up_phi != nullptr) {
                numerator += up_phi[x] * row_j[x - width];
                denominator += up_phi[x];
              }
              if (down_phi != nullptr) {
                numerator += down_phi[x] * row_j[x + width];
                denominator += down_phi[x];
              }
              j[row + x] = numerator / denominator;
            }
          }
        });
      }
    }
  }
  // Progress (ctx.progress, from the calling thread): a level done leaves the finer ones, about
  // 4^-level of the pixels' work done so far; the finest level's end is the stage's end.
  if (level > 0 && ctx.progress) ctx.progress(std::ldexp(1.0, -2 * int(level)));
  return result;
}

}  // namespace

RgbImage regrain_robust(const RgbImage& target, const RgbImage& fused, const RegrainParams& params,
                        const Context& ctx, const std::vector<float>* coverage) {
  // Parameters were validated at the boundary (validate_params); see kDebugChecks.
  if constexpr (kDebugChecks) validate_regrain_params(params);
  validate_image(target, "regrain target");
  validate_image(fused, "regrain fused");
  if (target.width != fused.width || target.height != fused.height) {
    throw Error(ErrorCode::kInvalidArgument, "regrain: target is " + std::to_string(target.width) +
                                                 "x" + std::to_string(target.height) +
                                                 ", fused image " + std::to_string(fused.width) +
                                                 "x" + std::to_string(fused.height));
  }
  validate_regrain_coverage(coverage, target);
  const std::vector<float> no_coverage;
  ctx.check_cancelled();
  const float phi0 =
      kPhi * std::min(1.0f, float(std::min(target.width, target.height)) / kFullPhiSide);
  const Planes solution =
      solve_level(RgbView{&target}, RgbView{&fused}, target.width, target.height, params, phi0, 0,
                  coverage != nullptr ? *coverage : no_coverage, ctx)
          .solution;

  // Back to RGB: R = Y + C2/3 + C1/2, G = Y + C2/3 - C1/2, B = Y - 2 C2/3.
  RgbImage result{target.width, target.height, std::vector<float>(target.rgb.size())};
  const std::size_t n = solution.plane_size();
  const float* y_plane = solution.plane(0);
  const float* c1_plane = solution.plane(1);
  const float* c2_plane = solution.plane(2);
  for (std::size_t p = 0; p < n; ++p) {
    const float y = y_plane[p], c1 = c1_plane[p], c2 = c2_plane[p];
    result.rgb[3 * p + 0] = y + c2 * (1.0f / 3.0f) + 0.5f * c1;
    result.rgb[3 * p + 1] = y + c2 * (1.0f / 3.0f) - 0.5f * c1;
    result.rgb[3 * p + 2] = y - c2 * (2.0f / 3.0f);
  }
  return result;
}

}  // namespace supercolor
