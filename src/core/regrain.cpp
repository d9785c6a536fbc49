// Re-graining (Pitie et al. 2005; method.md §1.7), as in Pitie's regrain.m and its widely used
// Python transcription.
//
// J minimises sum phi |grad J - grad I0|^2 + psi |J - I1|^2 (I0 the target, I1 the fused
// image). The solver is multiscale: recurse to half size (ceil) while more than one iteration
// count remains and both halved sides exceed 20 px, solve the coarsest level first starting
// from the target, upsample each result to the next finer level as its starting point, and run
// relaxed Jacobi sweeps at every level:
//   num = psi I1 + sum_k phi_k (J(n_k) - I0(n_k) + I0)      (n_k: the 4 neighbours, clamped)
//   J  <- num / (psi + sum_k phi_k + 1e-6) (1 - rho) + rho J,   rho = 1/5.
//
// Implementation: float32, planar channels so that every loop runs over contiguous x (and
// vectorises), the parts of num that do not depend on J are precomputed per level, and each
// sweep is parallel over rows into a second buffer (Jacobi: every pixel reads the previous
// iterate), so the result does not depend on the thread count.
#include "regrain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "error.h"

namespace supercolor {
namespace {

constexpr float kRelaxation = 0.2f;  // rho = 1/5
constexpr float kDenominatorEps = 1e-6f;
constexpr int kMinHalvedSide = 20;  // recurse while both halved sides exceed this
// Below this many pixels a level is solved on the calling thread: thread start-up would cost
// more than the sweep.
constexpr std::size_t kMinParallelPixels = 1 << 15;
constexpr std::size_t kRowsPerChunk = 8;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

// Three channel planes of one image.
struct Planes {
  int width = 0;
  int height = 0;
  std::vector<float> data;  // 3 * height * width, plane c at c * height * width

  Planes() = default;
  Planes(int w, int h) : width(w), height(h), data(3 * std::size_t(w) * h) {}
  std::size_t plane_size() const { return std::size_t(width) * height; }
  float* plane(int c) { return data.data() + c * plane_size(); }
  const float* plane(int c) const { return data.data() + c * plane_size(); }
};

Planes to_planes(const RgbImage& image) {
  Planes planes(image.width, image.height);
  const std::size_t n = planes.plane_size();
  for (std::size_t p = 0; p < n; ++p) {
    for (int c = 0; c < 3; ++c) planes.data[c * n + p] = image.rgb[3 * p + c];
  }
  return planes;
}

RgbImage to_interleaved(const Planes& planes) {
  RgbImage image{planes.width, planes.height, std::vector<float>(planes.data.size())};
  const std::size_t n = planes.plane_size();
  for (std::size_t p = 0; p < n; ++p) {
    for (int c = 0; c < 3; ++c) image.rgb[3 * p + c] = planes.data[c * n + p];
  }
  return image;
}

Context level_context(const Context& ctx, std::size_t pixels) {
  Context level = ctx;
  if (pixels < kMinParallelPixels) level.threads = 1;
  return level;
}

// Source sample positions for a bilinear resize of one axis, OpenCV INTER_LINEAR convention:
// half-pixel centres, src = (dst + 0.5) * scale - 0.5, clamped to the first/last sample, no
// antialiasing.
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
    const double position = (d + 0.5) * scale - 0.5;
    int first = static_cast<int>(std::floor(position));
    double fraction = position - first;
    if (first < 0) {
      first = 0;
      fraction = 0.0;
    }
    if (first >= source_size - 1) {
      first = source_size - 1;
      fraction = 0.0;
    }
    taps.first[d] = first;
    taps.second[d] = std::min(first + 1, source_size - 1);
    taps.weight[d] = static_cast<float>(fraction);
  }
  return taps;
}

Planes resize_bilinear(const Planes& source, int width, int height, const Context& ctx) {
  Planes result(width, height);
  const AxisTaps columns = axis_taps(source.width, width);
  const AxisTaps rows = axis_taps(source.height, height);
  parallel_for(level_context(ctx, result.plane_size()), 0, static_cast<std::size_t>(height),
               kRowsPerChunk, [&](std::size_t y_begin, std::size_t y_end) {
                 for (int c = 0; c < 3; ++c) {
                   const float* in = source.plane(c);
                   float* out = result.plane(c);
                   for (std::size_t y = y_begin; y < y_end; ++y) {
                     const float* row0 = in + std::size_t(rows.first[y]) * source.width;
                     const float* row1 = in + std::size_t(rows.second[y]) * source.width;
                     const float fy = rows.weight[y];
                     float* out_row = out + y * width;
                     for (int x = 0; x < width; ++x) {
                       const int x0 = columns.first[x], x1 = columns.second[x];
                       const float fx = columns.weight[x];
                       const float top = (1.0f - fx) * row0[x0] + fx * row0[x1];
                       const float bottom = (1.0f - fx) * row1[x0] + fx * row1[x1];
                       out_row[x] = (1.0f - fy) * top + fy * bottom;
                     }
                   }
                 }
               });
  return result;
}

// resize_bilinear for one plane (the coverage).
std::vector<float> resize_plane(const std::vector<float>& source, int source_width,
                                int source_height, int width, int height) {
  std::vector<float> result(std::size_t(width) * height);
  const AxisTaps columns = axis_taps(source_width, width);
  const AxisTaps rows = axis_taps(source_height, height);
  for (int y = 0; y < height; ++y) {
    const float* row0 = source.data() + std::size_t(rows.first[y]) * source_width;
    const float* row1 = source.data() + std::size_t(rows.second[y]) * source_width;
    const float fy = rows.weight[y];
    for (int x = 0; x < width; ++x) {
      const int x0 = columns.first[x], x1 = columns.second[x];
      const float fx = columns.weight[x];
      const float top = (1.0f - fx) * row0[x0] + fx * row0[x1];
      const float bottom = (1.0f - fx) * row1[x0] + fx * row1[x1];
      result[std::size_t(y) * width + x] = (1.0f - fy) * top + fy * bottom;
    }
  }
  return result;
}

// The sweeps of solve_level with coverage weights (regrain.h): in the equation of a visible
// pixel p, neighbour k's phi_k is multiplied by its coverage a_k,
//   J(p) <- (psi I1 + sum_k a_k phi_k (J(n_k) - I0(n_k) + I0)) / (psi + sum_k a_k phi_k + 1e-6)
// relaxed as Pitie's; a hidden pixel keeps a_k = 1. Rebuilds psi (solve_level releases it
// before the sweeps). Jacobi into `next`, rows in parallel: thread-count independent.
void sweep_weighted(Planes& solution, Planes& next, const Planes& target, const Planes& fused,
                    int iterations, const std::vector<float>& coverage,
                    const std::vector<float>& half_phi, const Context& level_ctx) {
  const int width = target.width;
  const int height = target.height;
  const std::size_t n = target.plane_size();
  const auto clamp_x = [width](int x) { return std::clamp(x, 0, width - 1); };
  const auto clamp_y = [height](int y) { return std::clamp(y, 0, height - 1); };
  constexpr int kDx[4] = {1, 0, -1, 0}, kDy[4] = {0, 1, 0, -1};  // right, down, left, up
  // Per pixel: the four weighted couplings, the scale and the J-independent part of num.
  std::vector<float> coupling(4 * n), scale(n);
  Planes base(width, height);
  parallel_for(
      level_ctx, 0, static_cast<std::size_t>(height), kRowsPerChunk,
      [&](std::size_t y_begin, std::size_t y_end) {
        for (int y = int(y_begin); y < int(y_end); ++y) {
          for (int x = 0; x < width; ++x) {
            const std::size_t p = std::size_t(y) * width + x;
            // psi as in solve_level (central differences of the target, clamped).
            float delta2 = 0.0f;
            for (int c = 0; c < 3; ++c) {
              const float* t = target.plane(c);
              const float dx = t[std::size_t(y) * width + clamp_x(x + 1)] -
                               t[std::size_t(y) * width + clamp_x(x - 1)];
              const float dy = t[std::size_t(clamp_y(y + 1)) * width + x] -
                               t[std::size_t(clamp_y(y - 1)) * width + x];
              delta2 += dx * dx + dy * dy;
            }
            const float psi = std::min(256.0f * std::sqrt(delta2) / 5.0f, 1.0f);
            // A visible pixel with only hidden neighbours (none to couple to) keeps the
            // unweighted couplings: with psi = 0 it would otherwise decay to 0.
            bool visible = coverage[p] > 0.0f;
            if (visible) {
              float shown = 0.0f;
              for (int k = 0; k < 4; ++k) {
                shown += coverage[std::size_t(clamp_y(y + kDy[k])) * width + clamp_x(x + kDx[k])];
              }
              visible = shown > 0.0f;
            }
            float den = psi;
            float sums[3] = {psi * fused.plane(0)[p], psi * fused.plane(1)[p],
                             psi * fused.plane(2)[p]};
            for (int k = 0; k < 4; ++k) {
              const std::size_t q = std::size_t(clamp_y(y + kDy[k])) * width + clamp_x(x + kDx[k]);
              const float phi = (half_phi[q] + half_phi[p]) * (visible ? coverage[q] : 1.0f);
              coupling[4 * p + k] = phi;
              den += phi;
              for (int c = 0; c < 3; ++c) {
                sums[c] += phi * (target.plane(c)[p] - target.plane(c)[q]);
              }
            }
            scale[p] = (1.0f - kRelaxation) / (den + kDenominatorEps);
            for (int c = 0; c < 3; ++c) base.plane(c)[p] = sums[c];
          }
        }
      });
  for (int iteration = 0; iteration < iterations; ++iteration) {
    parallel_for(level_ctx, 0, static_cast<std::size_t>(height), kRowsPerChunk,
                 [&](std::size_t y_begin, std::size_t y_end) {
                   for (int y = int(y_begin); y < int(y_end); ++y) {
                     for (int x = 0; x < width; ++x) {
                       const std::size_t p = std::size_t(y) * width + x;
                       std::size_t q[4];
                       for (int k = 0; k < 4; ++k) {
                         q[k] = std::size_t(clamp_y(y + kDy[k])) * width + clamp_x(x + kDx[k]);
                       }
                       for (int c = 0; c < 3; ++c) {
                         const float* j = solution.plane(c);
                         float sum = base.plane(c)[p];
                         for (int k = 0; k < 4; ++k) sum += coupling[4 * p + k] * j[q[k]];
                         next.plane(c)[p] = sum * scale[p] + kRelaxation * j[p];
                       }
                     }
                   }
                 });
    std::swap(solution.data, next.data);
  }
}

// Relaxed Jacobi sweeps at one level; `solution` is the starting point and the result.
// coverage: empty (opaque: Pitie's sweeps exactly) or this level's coverage (regrain.h).
void solve_level(Planes& solution, const Planes& target, const Planes& fused, int iterations,
                 int level, double smoothness, const std::vector<float>& coverage,
                 const Context& ctx) {
  const int width = target.width;
  const int height = target.height;
  const std::size_t n = target.plane_size();
  const Context level_ctx = level_context(ctx, n);
  const auto left = [](int x) { return x > 0 ? x - 1 : 0; };
  const auto right = [width](int x) { return x + 1 < width ? x + 1 : width - 1; };
  const auto up = [](int y) { return y > 0 ? y - 1 : 0; };
  const auto down = [height](int y) { return y + 1 < height ? y + 1 : height - 1; };

  // Per pixel: psi, phi/2 (phi_k = phi/2 + phi(n_k)/2), then the sweep's constants.
  std::vector<float> psi(n), half_phi(n);
  const float phi_scale = static_cast<float>(30.0 * std::ldexp(1.0, -level));
  const float gradient_weight = static_cast<float>(10.0 / smoothness);
  parallel_for(level_ctx, 0, static_cast<std::size_t>(height), kRowsPerChunk,
               [&](std::size_t y_begin, std::size_t y_end) {
                 for (int y = int(y_begin); y < int(y_end); ++y) {
                   for (int x = 0; x < width; ++x) {
                     float delta2 = 0.0f;
                     for (int c = 0; c < 3; ++c) {
                       const float* t = target.plane(c);
                       const float dx = t[std::size_t(y) * width + right(x)] -
                                        t[std::size_t(y) * width + left(x)];
                       const float dy =
                           t[std::size_t(down(y)) * width + x] - t[std::size_t(up(y)) * width + x];
                       delta2 += dx * dx + dy * dy;
                     }
                     const float delta = std::sqrt(delta2);
                     const std::size_t p = std::size_t(y) * width + x;
                     psi[p] = std::min(256.0f * delta / 5.0f, 1.0f);
                     half_phi[p] = 0.5f * (phi_scale / (1.0f + gradient_weight * delta));
                   }
                 }
               });

  // scale = (1 - rho) / (den + 1e-6), den = psi + sum_k phi_k; base_c = psi I1 +
  // sum_k phi_k (I0 - I0(n_k)): num = base + sum_k phi_k J(n_k).
  std::vector<float> scale(n);
  Planes base(width, height);
  parallel_for(level_ctx, 0, static_cast<std::size_t>(height), kRowsPerChunk,
               [&](std::size_t y_begin, std::size_t y_end) {
                 for (int y = int(y_begin); y < int(y_end); ++y) {
                   const std::size_t row = std::size_t(y) * width;
                   const std::size_t row_up = std::size_t(up(y)) * width;
                   const std::size_t row_down = std::size_t(down(y)) * width;
                   for (int x = 0; x < width; ++x) {
                     const std::size_t p = row + x;
                     const std::size_t p_right = row + right(x), p_left = row + left(x);
                     const std::size_t p_down = row_down + x, p_up = row_up + x;
                     const float phi1 = half_phi[p_right] + half_phi[p];
                     const float phi2 = half_phi[p_down] + half_phi[p];
                     const float phi3 = half_phi[p_left] + half_phi[p];
                     const float phi4 = half_phi[p_up] + half_phi[p];
                     const float den = psi[p] + phi1 + phi2 + phi3 + phi4;
                     scale[p] = (1.0f - kRelaxation) / (den + kDenominatorEps);
                     for (int c = 0; c < 3; ++c) {
                       const float* t = target.plane(c);
                       base.plane(c)[p] = psi[p] * fused.plane(c)[p] + phi1 * (t[p] - t[p_right]) +
                                          phi2 * (t[p] - t[p_down]) + phi3 * (t[p] - t[p_left]) +
                                          phi4 * (t[p] - t[p_up]);
                     }
                   }
                 }
               });
  psi = std::vector<float>();  // no longer needed: keep the peak memory down

  Planes next(width, height);
  if (!coverage.empty()) {
    sweep_weighted(solution, next, target, fused, iterations, coverage, half_phi, level_ctx);
    return;
  }
  for (int iteration = 0; iteration < iterations; ++iteration) {
    parallel_for(
        level_ctx, 0, static_cast<std::size_t>(height), kRowsPerChunk,
        [&](std::size_t y_begin, std::size_t y_end) {
          for (int y = int(y_begin); y < int(y_end); ++y) {
            const std::size_t row = std::size_t(y) * width;
            const float* __restrict hp = half_phi.data() + row;
            const float* __restrict hp_up = half_phi.data() + std::size_t(up(y)) * width;
            const float* __restrict hp_down = half_phi.data() + std::size_t(down(y)) * width;
            const float* __restrict row_scale = scale.data() + row;
            for (int c = 0; c < 3; ++c) {
              const float* __restrict j = solution.plane(c) + row;
              const float* __restrict j_up = solution.plane(c) + std::size_t(up(y)) * width;
              const float* __restrict j_down = solution.plane(c) + std::size_t(down(y)) * width;
              const float* __restrict row_base = base.plane(c) + row;
              float* __restrict out = next.plane(c) + row;
              const auto update = [&](int x, int x_left, int x_right) {
                const float sum = row_base[x] + (hp[x_right] + hp[x]) * j[x_right] +
                                  (hp_down[x] + hp[x]) * j_down[x] +
                                  (hp[x_left] + hp[x]) * j[x_left] + (hp_up[x] + hp[x]) * j_up[x];
                return sum * row_scale[x] + kRelaxation * j[x];
              };
              out[0] = update(0, 0, right(0));
              // Interior: no clamping, contiguous, vectorisable.
              for (int x = 1; x < width - 1; ++x) {
                const float sum = row_base[x] + (hp[x + 1] + hp[x]) * j[x + 1] +
                                  (hp_down[x] + hp[x]) * j_down[x] +
                                  (hp[x - 1] + hp[x]) * j[x - 1] + (hp_up[x] + hp[x]) * j_up[x];
                out[x] = sum * row_scale[x] + kRelaxation * j[x];
              }
              if (width > 1) out[width - 1] = update(width - 1, width - 2, width - 1);
            }
          }
        });
    std::swap(solution.data, next.data);
  }
}

// regrain_rec of the transcription: coarser levels first, then this level's sweeps. The
// starting point handed down is always the target itself (resizing `out` = I0 gives the
// resized I0), so only the target and fused images are resized on the way down.
// coverage: empty (opaque) or this level's coverage, resized along with the images.
Planes regrain_level(const Planes& target, const Planes& fused, const std::vector<int>& iterations,
                     std::size_t level, double smoothness, const std::vector<float>& coverage,
                     const Context& ctx) {
  const int width = target.width;
  const int height = target.height;
  const int half_width = (width + 1) / 2;
  const int half_height = (height + 1) / 2;
  Planes solution;
  if (iterations.size() - level > 1 && half_height > kMinHalvedSide &&
      half_width > kMinHalvedSide) {
    Planes coarse_solution;
    {
      const Planes coarse_target = resize_bilinear(target, half_width, half_height, ctx);
      const Planes coarse_fused = resize_bilinear(fused, half_width, half_height, ctx);
      const std::vector<float> coarse_coverage =
          coverage.empty() ? std::vector<float>()
                           : resize_plane(coverage, width, height, half_width, half_height);
      coarse_solution = regrain_level(coarse_target, coarse_fused, iterations, level + 1,
                                      smoothness, coarse_coverage, ctx);
    }
    solution = resize_bilinear(coarse_solution, width, height, ctx);
  } else {
    solution = target;
  }
  solve_level(solution, target, fused, iterations[level], static_cast<int>(level), smoothness,
              coverage, ctx);
  return solution;
}

std::string format_value(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

void validate_regrain_params(const RegrainParams& params) {
  if (!std::isfinite(params.smoothness) || params.smoothness <= 0.0) {
    invalid("regrain smoothness must be finite and > 0, got " + format_value(params.smoothness));
  }
  if (params.iterations.empty()) {
    invalid("regrain iterations must list at least one level's iteration count");
  }
  for (std::size_t level = 0; level < params.iterations.size(); ++level) {
    if (params.iterations[level] < 1) {
      invalid("regrain iterations[" + std::to_string(level) + "] must be >= 1, got " +
              std::to_string(params.iterations[level]));
    }
  }
}

void validate_regrain_coverage(const std::vector<float>* coverage, const RgbImage& target) {
  if (coverage != nullptr && !coverage->empty() && coverage->size() != target.pixel_count()) {
    invalid("regrain: coverage holds " + std::to_string(coverage->size()) + " values for " +
            std::to_string(target.pixel_count()) + " pixels");
  }
}

RgbImage regrain(const RgbImage& target, const RgbImage& fused, const RegrainParams& params,
                 const Context& ctx, const std::vector<float>* coverage) {
  // Parameters were validated at the boundary (validate_params); see kDebugChecks.
  if constexpr (kDebugChecks) validate_regrain_params(params);
  validate_image(target, "regrain target");
  validate_image(fused, "regrain fused");
  if (target.width != fused.width || target.height != fused.height) {
    invalid("regrain: target is " + std::to_string(target.width) + "x" +
            std::to_string(target.height) + ", fused image " + std::to_string(fused.width) + "x" +
            std::to_string(fused.height));
  }
  validate_regrain_coverage(coverage, target);
  const std::vector<float> no_coverage;
  const std::vector<float>& weights = coverage != nullptr ? *coverage : no_coverage;
  ctx.check_cancelled();
  const Planes solution = regrain_level(to_planes(target), to_planes(fused), params.iterations, 0,
                                        params.smoothness, weights, ctx);
  return to_interleaved(solution);
}

const char* regrain_mode_name(RegrainMode mode) {
  switch (mode) {
    case RegrainMode::kRobust:
      return "robust";
    case RegrainMode::kPitie:
      return "pitie";
    case RegrainMode::kNone:
      return "none";
  }
  return "?";
}

RegrainMode parse_regrain_mode(const std::string& name) {
  for (RegrainMode mode : {RegrainMode::kRobust, RegrainMode::kPitie, RegrainMode::kNone}) {
    if (name == regrain_mode_name(mode)) return mode;
  }
  invalid("regrain mode must be 'robust', 'pitie' or 'none', got '" + name + "'");
}

RgbImage regrain_with_mode(RegrainMode mode, const RgbImage& target, const RgbImage& fused,
                           const RegrainParams& params, const Context& ctx,
                           const std::vector<float>* coverage) {
  switch (mode) {
    case RegrainMode::kRobust:
      return regrain_robust(target, fused, params, ctx, coverage);
    case RegrainMode::kPitie:
      return regrain(target, fused, params, ctx, coverage);
    case RegrainMode::kNone:
      break;
  }
  validate_image(fused, "regrain fused");
  return fused;
}

}  // namespace supercolor
