// Benchmark of colour fusion (method.md §1.6): today's kernel against the one it replaced,
// side by side in one run, at about 1 MP, plus the largest error of each against the float64
// definition (tools/native/fusion_reference). Prints, never asserts.
//
//   bench_fusion [--repeat N] [--error-rows STEP]
//
// The previous kernel (commit f968613, "v1": no pruning, no pixel blocks) is kept below, in
// namespace supercolor::v1, ONLY for this comparison: it is compiled with the same compiler and
// flags as the current one, so the ratio measures the kernels and nothing else. Errors are
// measured on every STEP-th row (default 8) because the float64 brute force over all pixels
// and all superpixels takes minutes at 1 MP.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "core/fusion.h"
#include "core/slic.h"
#include "core/superfeatures.h"
#include "fusion_reference.h"
#include "io/image_io.h"
#include "native_pipeline.h"

// ---- v1: the kernel as of commit f968613, verbatim (benchmark only) ----
#include <Eigen/Dense>
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "core/fast_exp.h"

namespace supercolor {
namespace v1 {
namespace {

// Pixels processed together: one lane each (2 x SSE / 1 x AVX / 2 x wasm SIMD128 registers).
constexpr int kLanes = 8;

// Superpixels per parallel chunk (the chunking does not affect results: every pixel is
// computed independently of the others).
constexpr std::size_t kSuperpixelsPerChunk = 4;

// Below exp(kMinExponent) (fast_exp.h, ~1.6e-38) a weight is negligible next to the largest
// weight, which is 1.
std::string format_value(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

// Per-superpixel constants of D_i(p), float, as the per-pixel loops read them.
enum Field : int {
  kMeanY,
  kMeanX,
  kPos00,  // M_pos = [[kPos00, 0], [kPos10, kPos11]] acting on (dy, dx)
  kPos10,
  kPos11,
  kMeanR,
  kMeanG,
  kMeanB,
  kRgb00,  // M_rgb lower triangular acting on (dr, dg, db)
  kRgb10,
  kRgb11,
  kRgb20,
  kRgb21,
  kRgb22,
  kColorR,  // c(i)
  kColorG,
  kColorB,
  kFieldCount
};

// M = L^-1 where L L^T = sigma (Cholesky), so sigma^-1 = M^T M. Throws if sigma is not
// positive definite (only possible when rounding defeats the epsilon ridge).
template <int kSize>
Eigen::Matrix<double, kSize, kSize> inverse_cholesky_factor(
    const Eigen::Matrix<double, kSize, kSize>& sigma, int superpixel) {
  using Matrix = Eigen::Matrix<double, kSize, kSize>;
  const Eigen::LLT<Matrix> llt(sigma);
  if (llt.info() != Eigen::Success) {
    invalid("fusion: Sigma of superpixel " + std::to_string(superpixel) +
            " is not positive definite (covariances wrong, or epsilon too small)");
  }
  const Matrix lower = llt.matrixL();
  return lower.template triangularView<Eigen::Lower>().solve(Matrix::Identity());
}

// Coefficients of every superpixel, row-major N x kFieldCount.
std::vector<float> superpixel_coefficients(const SuperpixelStats& stats, const float* colors,
                                           const FusionParams& params) {
  const int count = stats.count;
  std::vector<float> coefficients(static_cast<std::size_t>(count) * kFieldCount, 0.0f);
  const double spatial_scale = params.delta_s * params.delta_s;
  const double color_scale = params.delta_c * params.delta_c;
  for (int i = 0; i < count; ++i) {
    float* out = &coefficients[static_cast<std::size_t>(i) * kFieldCount];
    const double* cov_pos = &stats.cov_position[3 * static_cast<std::size_t>(i)];
    const double* cov_rgb = &stats.cov_rgb[6 * static_cast<std::size_t>(i)];
    // Eq. 6: Sigma_i = blockdiag(delta_s^2 Cov(pos), delta_c^2 Cov(rgb)) + eps I.
    Eigen::Matrix2d sigma_pos;
    sigma_pos << cov_pos[0], cov_pos[1], cov_pos[1], cov_pos[2];
    sigma_pos = spatial_scale * sigma_pos + params.epsilon * Eigen::Matrix2d::Identity();
    Eigen::Matrix3d sigma_rgb;
    sigma_rgb << cov_rgb[0], cov_rgb[1], cov_rgb[2],  //
        cov_rgb[1], cov_rgb[3], cov_rgb[4],           //
        cov_rgb[2], cov_rgb[4], cov_rgb[5];
    sigma_rgb = color_scale * sigma_rgb + params.epsilon * Eigen::Matrix3d::Identity();
    const Eigen::Matrix2d m_pos = inverse_cholesky_factor<2>(sigma_pos, i);
    const Eigen::Matrix3d m_rgb = inverse_cholesky_factor<3>(sigma_rgb, i);

    out[kMeanY] = static_cast<float>(stats.mean_position[2 * static_cast<std::size_t>(i)]);
    out[kMeanX] = static_cast<float>(stats.mean_position[2 * static_cast<std::size_t>(i) + 1]);
    out[kPos00] = static_cast<float>(m_pos(0, 0));
    out[kPos10] = static_cast<float>(m_pos(1, 0));
    out[kPos11] = static_cast<float>(m_pos(1, 1));
    for (int c = 0; c < 3; ++c) {
      out[kMeanR + c] = static_cast<float>(stats.mean_rgb[3 * static_cast<std::size_t>(i) + c]);
      out[kColorR + c] = colors[3 * static_cast<std::size_t>(i) + c];
    }
    out[kRgb00] = static_cast<float>(m_rgb(0, 0));
    out[kRgb10] = static_cast<float>(m_rgb(1, 0));
    out[kRgb11] = static_cast<float>(m_rgb(1, 1));
    out[kRgb20] = static_cast<float>(m_rgb(2, 0));
    out[kRgb21] = static_cast<float>(m_rgb(2, 1));
    out[kRgb22] = static_cast<float>(m_rgb(2, 2));
    // Only an absurdly small epsilon (coefficients ~ 1/sqrt(epsilon) beyond float range) can
    // make these non-finite.
    if (!std::all_of(out, out + kFieldCount, [](float v) { return std::isfinite(v); })) {
      invalid("fusion: Sigma of superpixel " + std::to_string(i) +
              " is too close to singular for float (epsilon " + format_value(params.epsilon) +
              " too small)");
    }
  }
  return coefficients;
}

// Scratch for one chunk of superpixels: the coefficient rows of the current superpixel's
// neighbours (kFieldCount floats each, contiguous), D for one group of pixels and the list of
// neighbours that matter to it.
struct NeighbourBlock {
  explicit NeighbourBlock(int max_neighbours)
      : rows(static_cast<std::size_t>(max_neighbours) * kFieldCount),
        distances(static_cast<std::size_t>(max_neighbours) * kLanes),
        live(static_cast<std::size_t>(max_neighbours)) {}

  int count = 0;
  std::vector<float> rows;       // count x kFieldCount
  std::vector<float> distances;  // count x kLanes: D_k of the group's pixel l at [k * kLanes + l]
  std::vector<int> live;         // neighbours with a non-negligible weight for the group
};

// Fills `block` with N(s): superpixels whose centroid is within `radius` of the centroid of s
// (Euclidean, normalised coordinates, computed in double from the stats).
void gather_neighbours(int own, const SuperpixelStats& stats,
                       const std::vector<float>& coefficients, double radius,
                       NeighbourBlock& block) {
  const double own_y = stats.mean_position[2 * static_cast<std::size_t>(own)];
  const double own_x = stats.mean_position[2 * static_cast<std::size_t>(own) + 1];
  int count = 0;
  for (int i = 0; i < stats.count; ++i) {
    if (stats.pixel_count[i] <= 0) continue;  // an unused label has no centroid
    const double dy = stats.mean_position[2 * static_cast<std::size_t>(i)] - own_y;
    const double dx = stats.mean_position[2 * static_cast<std::size_t>(i) + 1] - own_x;
    if (!(std::sqrt(dy * dy + dx * dx) <= radius)) continue;
    std::copy_n(&coefficients[static_cast<std::size_t>(i) * kFieldCount], kFieldCount,
                &block.rows[static_cast<std::size_t>(count) * kFieldCount]);
    ++count;
  }
  block.count = count;
}

// A group of kLanes pixels of one superpixel, structure of arrays: the loops below run over
// neighbours k outside and over these lanes inside, so every lane-wise operation (including
// the running minimum and the sums) is a plain vertical SIMD operation -- no horizontal
// reductions -- and each neighbour's coefficients are read once per group, not per pixel.
struct PixelGroup {
  float y[kLanes], x[kLanes], r[kLanes], g[kLanes], b[kLanes];
};

// The per-group loops take their arrays as restrict-qualified parameters: GCC ignores restrict
// on local pointers, and without it the loads would need run-time alias checks.

// distances[k * kLanes + l] = D_k(pixel l) (eq. 5's exponent), from centred differences, as a
// sum of squares; min_distance[l] = min_k D_k(pixel l).
void group_distances(int count, const float* __restrict rows, const PixelGroup* __restrict group,
                     float* __restrict distances, float* __restrict min_distance) {
  float lane_min[kLanes];
  for (int l = 0; l < kLanes; ++l) lane_min[l] = std::numeric_limits<float>::max();
  for (int k = 0; k < count; ++k) {
    const float* c = rows + static_cast<std::size_t>(k) * kFieldCount;
    float* d = distances + static_cast<std::size_t>(k) * kLanes;
    for (int l = 0; l < kLanes; ++l) {
      const float dy = group->y[l] - c[kMeanY];
      const float dx = group->x[l] - c[kMeanX];
      const float z0 = c[kPos00] * dy;
      const float z1 = c[kPos10] * dy + c[kPos11] * dx;
      const float dr = group->r[l] - c[kMeanR];
      const float dg = group->g[l] - c[kMeanG];
      const float db = group->b[l] - c[kMeanB];
      const float z2 = c[kRgb00] * dr;
      const float z3 = c[kRgb10] * dr + c[kRgb11] * dg;
      const float z4 = c[kRgb20] * dr + c[kRgb21] * dg + c[kRgb22] * db;
      const float distance = (z0 * z0 + z1 * z1) + (z2 * z2 + z3 * z3 + z4 * z4);
      d[l] = distance;
      lane_min[l] = distance < lane_min[l] ? distance : lane_min[l];
    }
  }
  for (int l = 0; l < kLanes; ++l) min_distance[l] = lane_min[l];
}

// Eq. 3-4 for each lane: sum_k w_k c(k) / sum_k w_k with w_k = exp(-(D_k - D_min) / sigma_g)
// = d(p,k) / exp(-D_min / sigma_g) in (0, 1]. D_k - D_min is capped at max_difference
// (87 sigma_g: the weight is then ~1.6e-38, negligible next to the largest, 1) to keep exp's
// argument in range; the cap also turns NaN from inf - inf (absurdly small epsilon) into a
// zero weight. The cap is a run-time value on purpose: a clamp to a literal lets GCC split the
// loop into a constant-folded path and stop vectorising it.
void group_weighted_means(int count, const float* __restrict rows,
                          const float* __restrict distances, const float* __restrict min_distance,
                          const float* __restrict inverse_sigma,
                          const float* __restrict max_difference, int* __restrict live,
                          float* __restrict sums) {
  // Neighbours whose weight is below exp(kMinExponent) ~ 1.6e-38 in every lane are left out:
  // next to a weight sum >= 1 they are far below float resolution, and most neighbours of a
  // large neighbourhood are like that (this halves the time for fusionRadius = infinity).
  // They are filtered into a list first rather than skipped inside the loop below, which
  // clang would then no longer vectorise.
  int live_count = 0;
  for (int k = 0; k < count; ++k) {
    const float* d = distances + static_cast<std::size_t>(k) * kLanes;
    int any_lane = 0;
    for (int l = 0; l < kLanes; ++l) any_lane |= (d[l] - min_distance[l] < max_difference[l]);
    live[live_count] = k;
    live_count += any_lane != 0;
  }
  float sum_w[kLanes] = {}, sum_r[kLanes] = {}, sum_g[kLanes] = {}, sum_b[kLanes] = {};
  for (int j = 0; j < live_count; ++j) {
    const float* c = rows + static_cast<std::size_t>(live[j]) * kFieldCount;
    const float* d = distances + static_cast<std::size_t>(live[j]) * kLanes;
    for (int l = 0; l < kLanes; ++l) {
      float difference = d[l] - min_distance[l];
      difference = difference < max_difference[l] ? difference : max_difference[l];
      const float w = exp_nonpositive(-difference * inverse_sigma[l]);
      sum_w[l] += w;
      sum_r[l] += w * c[kColorR];
      sum_g[l] += w * c[kColorG];
      sum_b[l] += w * c[kColorB];
    }
  }
  for (int l = 0; l < kLanes; ++l) {
    sums[l] = sum_w[l];
    sums[kLanes + l] = sum_r[l];
    sums[2 * kLanes + l] = sum_g[l];
    sums[3 * kLanes + l] = sum_b[l];
  }
}

// I_hat for the group's pixels. fixed_inverse_sigma > 0 selects a fixed sigma_g, 0 the
// adaptive one. results[l] receives pixel l's colour.
void fuse_group(NeighbourBlock& block, const PixelGroup& group, float fixed_inverse_sigma,
                float results[kLanes][3]) {
  float min_distance[kLanes], inverse_sigma[kLanes], max_difference[kLanes];
  float sums[4 * kLanes];
  group_distances(block.count, block.rows.data(), &group, block.distances.data(), min_distance);
  for (int l = 0; l < kLanes; ++l) {
    // Adaptive bandwidth sigma_g(p) = D_min + 1e-5 (method.md §1.6), in double so that 1e-5 is
    // not lost next to a large D_min.
    const double inverse =
        fixed_inverse_sigma > 0.0f ? fixed_inverse_sigma : 1.0 / (double(min_distance[l]) + 1e-5);
    inverse_sigma[l] =
        static_cast<float>(std::clamp(inverse, double(std::numeric_limits<float>::min()),
                                      double(std::numeric_limits<float>::max())));
    max_difference[l] = static_cast<float>(std::min(-double(kMinExponent) / inverse_sigma[l],
                                                    double(std::numeric_limits<float>::max())));
  }
  group_weighted_means(block.count, block.rows.data(), block.distances.data(), min_distance,
                       inverse_sigma, max_difference, block.live.data(), sums);
  for (int l = 0; l < kLanes; ++l) {
    // sum_w >= 1: the nearest neighbour has weight 1.
    const double sum_w = sums[l];
    for (int c = 0; c < 3; ++c) {
      results[l][c] = static_cast<float>(sums[(c + 1) * kLanes + l] / sum_w);
    }
  }
}

void validate_colors(const float* colors, int count) {
  if (colors == nullptr) invalid("fusion: colors is null (expected N x 3 floats)");
  for (std::size_t k = 0; k < 3 * static_cast<std::size_t>(count); ++k) {
    if (!std::isfinite(colors[k])) {
      invalid("fusion: colour of superpixel " + std::to_string(k / 3) + " is not finite");
    }
  }
}

void validate_stats(const SuperpixelStats& stats, const Segmentation& segmentation) {
  const std::size_t count = static_cast<std::size_t>(stats.count);
  if (stats.count != segmentation.count) {
    invalid("fusion: stats describe " + std::to_string(stats.count) +
            " superpixels, segmentation has " + std::to_string(segmentation.count));
  }
  if (stats.pixel_count.size() != count || stats.mean_position.size() != 2 * count ||
      stats.mean_rgb.size() != 3 * count || stats.cov_position.size() != 3 * count ||
      stats.cov_rgb.size() != 6 * count) {
    invalid("fusion: stats arrays do not match their count " + std::to_string(stats.count));
  }
  // The stats must describe this segmentation (a stale or foreign stats object would silently
  // produce wrong neighbourhoods).
  std::vector<int64_t> pixels(count, 0);
  for (int32_t label : segmentation.labels) ++pixels[static_cast<std::size_t>(label)];
  for (std::size_t i = 0; i < count; ++i) {
    if (pixels[i] != stats.pixel_count[i]) {
      invalid("fusion: stats give superpixel " + std::to_string(i) + " " +
              std::to_string(stats.pixel_count[i]) + " pixels, segmentation " +
              std::to_string(pixels[i]));
    }
  }
  const auto all_finite = [](const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  };
  if (!all_finite(stats.mean_position) || !all_finite(stats.mean_rgb) ||
      !all_finite(stats.cov_position) || !all_finite(stats.cov_rgb)) {
    invalid("fusion: stats contain a non-finite value");
  }
}

}  // namespace

void validate_fusion_params(const FusionParams& params) {
  const auto positive = [](double value) { return std::isfinite(value) && value > 0.0; };
  if (!positive(params.delta_s)) {
    invalid("fusion delta_s must be finite and > 0, got " + format_value(params.delta_s));
  }
  if (!positive(params.delta_c)) {
    invalid("fusion delta_c must be finite and > 0, got " + format_value(params.delta_c));
  }
  if (!positive(params.epsilon)) {
    invalid("fusion epsilon must be finite and > 0, got " + format_value(params.epsilon));
  }
  if (!(params.sigma_g >= 0.0) || std::isinf(params.sigma_g)) {
    invalid("fusion sigma_g must be 0 (adaptive) or finite and > 0, got " +
            format_value(params.sigma_g));
  }
  if (!(params.radius > 0.0)) {  // also rejects NaN; +infinity means all superpixels
    invalid("fusion radius must be > 0 (or infinity), got " + format_value(params.radius));
  }
}

RgbImage fuse(const RgbImage& target, const Segmentation& segmentation,
              const SuperpixelStats& stats, const float* colors, const FusionParams& params,
              const Context& ctx) {
  supercolor::validate_fusion_params(params);
  validate_image(target, "fusion target");
  validate_segmentation(segmentation, "fusion target");
  if (segmentation.width != target.width || segmentation.height != target.height) {
    invalid("fusion: segmentation is " + std::to_string(segmentation.width) + "x" +
            std::to_string(segmentation.height) + ", target image " + std::to_string(target.width) +
            "x" + std::to_string(target.height));
  }
  validate_stats(stats, segmentation);
  validate_colors(colors, stats.count);
  ctx.check_cancelled();

  const int width = target.width;
  const int height = target.height;
  const int count = stats.count;
  const std::vector<float> coefficients = superpixel_coefficients(stats, colors, params);

  // Pixels grouped by superpixel (counting sort, row-major within each group).
  std::vector<std::size_t> group_start(static_cast<std::size_t>(count) + 1, 0);
  for (int32_t label : segmentation.labels) ++group_start[static_cast<std::size_t>(label) + 1];
  for (int i = 0; i < count; ++i) group_start[i + 1] += group_start[i];
  std::vector<uint32_t> grouped_pixels(segmentation.labels.size());
  {
    std::vector<std::size_t> next(group_start.begin(), group_start.end() - 1);
    for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
      grouped_pixels[next[segmentation.labels[p]]++] = static_cast<uint32_t>(p);
    }
  }

  // Normalised coordinates y/H and x/W, rounded once to float.
  std::vector<float> row_coordinate(height), column_coordinate(width);
  for (int y = 0; y < height; ++y) row_coordinate[y] = static_cast<float>(double(y) / height);
  for (int x = 0; x < width; ++x) column_coordinate[x] = static_cast<float>(double(x) / width);

  // A fixed sigma_g so large that 1/sigma_g rounds to 0 in float means plain averaging; floor
  // it at the smallest normal float so that 0 keeps meaning "adaptive".
  const float fixed_inverse_sigma =
      params.sigma_g > 0.0
          ? std::max(static_cast<float>(1.0 / params.sigma_g), std::numeric_limits<float>::min())
          : 0.0f;

  RgbImage fused{width, height, std::vector<float>(target.rgb.size())};
  parallel_for(
      ctx, 0, static_cast<std::size_t>(count), kSuperpixelsPerChunk,
      [&](std::size_t first, std::size_t last) {
        NeighbourBlock block(count);
        PixelGroup group;
        float results[kLanes][3];
        for (std::size_t s = first; s < last; ++s) {
          const std::size_t begin = group_start[s], end = group_start[s + 1];
          if (begin == end) continue;
          gather_neighbours(static_cast<int>(s), stats, coefficients, params.radius, block);
          for (std::size_t group_begin = begin; group_begin < end; group_begin += kLanes) {
            const int lanes = static_cast<int>(std::min<std::size_t>(kLanes, end - group_begin));
            for (int l = 0; l < kLanes; ++l) {
              // A short last group repeats its last pixel; those lanes are not written back.
              const std::size_t p = grouped_pixels[group_begin + std::min(l, lanes - 1)];
              group.y[l] = row_coordinate[p / width];
              group.x[l] = column_coordinate[p % width];
              group.r[l] = target.rgb[3 * p];
              group.g[l] = target.rgb[3 * p + 1];
              group.b[l] = target.rgb[3 * p + 2];
            }
            fuse_group(block, group, fixed_inverse_sigma, results);
            for (int l = 0; l < lanes; ++l) {
              std::copy_n(results[l], 3,
                          &fused.rgb[3 * std::size_t(grouped_pixels[group_begin + l])]);
            }
          }
        }
      });
  return fused;
}

}  // namespace v1
}  // namespace supercolor

// ---- the benchmark ----
using namespace supercolor;

namespace {

using Clock = std::chrono::steady_clock;

// Best wall time and best process CPU time (all threads) of `repeat` runs. On a shared, busy
// machine the CPU time is the steadier figure.
struct Timing {
  double wall = 1e30, cpu = 1e30;
};
Timing time_best(int repeat, const std::function<void()>& run) {
  Timing best;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    const std::clock_t cpu_start = std::clock();
    run();
    best.cpu = std::min(best.cpu, double(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    best.wall = std::min(best.wall, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

// Box-filter reduction by an integer factor (a large photo down to ~1 MP, antialiased).
RgbImage reduce_box(const RgbImage& image, int factor) {
  const int width = image.width / factor, height = image.height / factor;
  RgbImage out{width, height, std::vector<float>(3 * std::size_t(width) * height, 0.0f)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double sum[3] = {0, 0, 0};
      for (int dy = 0; dy < factor; ++dy) {
        for (int dx = 0; dx < factor; ++dx) {
          const float* p =
              &image.rgb[3 * (std::size_t(y * factor + dy) * image.width + x * factor + dx)];
          for (int c = 0; c < 3; ++c) sum[c] += p[c];
        }
      }
      for (int c = 0; c < 3; ++c) {
        out.rgb[3 * (std::size_t(y) * width + x) + c] = float(sum[c] / (factor * factor));
      }
    }
  }
  return out;
}

double max_error(const RgbImage& fast, const std::vector<double>& exact) {
  double worst = 0.0;
  for (std::size_t k = 0; k < exact.size(); ++k) {
    if (std::isnan(exact[k])) continue;  // a row the reference skipped
    worst = std::max(worst, std::abs(double(fast.rgb[k]) - exact[k]));
  }
  return worst;
}

void bench_image(const std::string& name, const RgbImage& target, int repeat, int error_rows) {
  const Context two{2, nullptr};
  const Segmentation segmentation = slic(target, SlicParams{}, two);
  const SuperpixelStats stats = superpixel_stats(target, segmentation, two);
  // c(i): each superpixel's mean colour rotated (r,g,b) -> (g,b,r): a real recolouring.
  std::vector<float> colors(3 * std::size_t(stats.count));
  for (int i = 0; i < stats.count; ++i) {
    for (int c = 0; c < 3; ++c) colors[3 * i + c] = float(stats.mean_rgb[3 * i + (c + 1) % 3]);
  }
  std::printf("\n== %s: %dx%d (%.2f MP), %d superpixels, best of %d ==\n", name.c_str(),
              target.width, target.height, target.pixel_count() / 1e6, stats.count, repeat);
  std::printf("%-21s %7s %8s %8s %7s %9s %9s %7s  %-11s %s\n", "config", "threads", "v1 wall",
              "now wall", "ratio", "v1 cpu", "now cpu", "ratio", "err v1/255", "err now/255");
  for (double radius : {0.3, double(INFINITY)}) {
    for (double sigma_g : {0.0, 1.0}) {
      FusionParams params;
      params.radius = radius;
      params.sigma_g = sigma_g;
      const std::vector<double> exact = reference::fuse_brute_force(
          target, segmentation, stats, colors.data(), params, 2, error_rows);
      const std::string config = std::string("radius ") + (std::isinf(radius) ? "inf" : "0.3") +
                                 (sigma_g == 0 ? " adaptive" : " sigma_g 1");
      for (int threads : {1, 2}) {
        const Context ctx{threads, nullptr};
        RgbImage old_result, new_result;
        const Timing old_t = time_best(repeat, [&] {
          old_result = v1::fuse(target, segmentation, stats, colors.data(), params, ctx);
        });
        const Timing new_t = time_best(repeat, [&] {
          new_result = fuse(target, segmentation, stats, colors.data(), params, ctx);
        });
        std::printf("%-21s %7d %7.3fs %7.3fs %6.2fx %8.3fs %8.3fs %6.2fx  %-11.4f %.4f\n",
                    config.c_str(), threads, old_t.wall, new_t.wall, old_t.wall / new_t.wall,
                    old_t.cpu, new_t.cpu, old_t.cpu / new_t.cpu,
                    max_error(old_result, exact) * 255.0, max_error(new_result, exact) * 255.0);
        std::fflush(stdout);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 2, error_rows = 8;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--error-rows") == 0) error_rows = std::max(1, std::atoi(argv[i + 1]));
  }
  try {
    const RgbImage kodak = to_rgb(read_image_file(
        reference::shared_image_path("pairs/14_kodak_kodim01_kodim08_buildings", "target")));
    bench_image("kodim01 768x512", kodak, repeat, error_rows);
    bench_image("kodim01 upscaled to 1224x816", reference::resize_nearest(kodak, 1224, 816), repeat,
                error_rows);
    const RgbImage large = to_rgb(
        read_image_file(reference::shared_image_path("large/01_landscape_day_sunset", "target")));
    // Reduced by the integer factor that brings it nearest to 1.2 MP.
    const int factor =
        std::max(1, int(std::lround(std::sqrt(double(large.pixel_count()) / 1.2e6))));
    bench_image("large/01 target reduced " + std::to_string(factor) + "x",
                reduce_box(large, factor), repeat, error_rows);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fusion: %s\n", e.what());
    return 1;
  }
  return 0;
}
