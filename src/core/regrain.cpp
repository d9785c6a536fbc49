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

// Relaxed Jacobi sweeps at one level; `solution` is the starting point and the result.
void solve_level(Planes& solution, const Planes& target, const Planes& fused, int iterations,
                 int level, double smoothness, const Context& ctx) {
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
Planes regrain_level(const Planes& target, const Planes& fused, const std::vector<int>& iterations,
                     std::size_t level, double smoothness, const Context& ctx) {
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
      coarse_solution =
          regrain_level(coarse_target, coarse_fused, iterations, level + 1, smoothness, ctx);
    }
    solution = resize_bilinear(coarse_solution, width, height, ctx);
  } else {
    solution = target;
  }
  solve_level(solution, target, fused, iterations[level], static_cast<int>(level), smoothness, ctx);
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

RgbImage regrain(const RgbImage& target, const RgbImage& fused, const RegrainParams& params,
                 const Context& ctx) {
  validate_regrain_params(params);
  validate_image(target, "regrain target");
  validate_image(fused, "regrain fused");
  if (target.width != fused.width || target.height != fused.height) {
    invalid("regrain: target is " + std::to_string(target.width) + "x" +
            std::to_string(target.height) + ", fused image " + std::to_string(fused.width) + "x" +
            std::to_string(fused.height));
  }
  ctx.check_cancelled();
  const Planes solution = regrain_level(to_planes(target), to_planes(fused), params.iterations, 0,
                                        params.smoothness, ctx);
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
                           const RegrainParams& params, const Context& ctx) {
  switch (mode) {
    case RegrainMode::kRobust:
      return regrain_robust(target, fused, params, ctx);
    case RegrainMode::kPitie:
      return regrain(target, fused, params, ctx);
    case RegrainMode::kNone:
      break;
  }
  validate_image(fused, "regrain fused");
  return fused;
}

}  // namespace supercolor
