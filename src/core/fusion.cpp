// Colour fusion (paper eq. 3-6, method.md §1.6).
//
// Definition: I_hat(p) = sum_{i in N(p)} d(p,i) c(i) / sum_{i in N(p)} d(p,i), with
// d(p,i) = exp(-D_i(p) / sigma_g) (eq. 5) and D_i(p) = (v(p)-vbar(i))^T Sigma_i^-1 (v(p)-vbar(i)),
// Sigma_i = blockdiag(delta_s^2 Cov_i(pos), delta_c^2 Cov_i(rgb)) + eps I (eq. 6).
//
// How the fast path evaluates it:
//  * Sigma_i is block diagonal, so Sigma_i^-1 = blockdiag(P_pos, P_rgb). Each block is factored
//    once per superpixel, in double, as P = M^T M with M = L^-1 lower triangular (L L^T the
//    Cholesky factor of the Sigma block); M is stored as float. Then
//      D_i(p) = |M_pos (pos(p) - pos_bar(i))|^2 + |M_rgb (rgb(p) - rgb_bar(i))|^2,
//    a sum of five squares of centred linear forms. Unlike the expanded quadratic form, a sum
//    of squares cannot cancel, so D is accurate in float even where it is tiny next to the
//    coefficients (near-singular colour covariances give coefficients ~1e4) -- which matters
//    because the adaptive bandwidth sigma_g = min_i D_i(p) + 1e-5 divides by the smallest D.
//  * Pixels of one superpixel share N(p). Work is parallel over superpixels. Each superpixel's
//    pixels are sorted by colour (a Morton key) and cut into blocks of kBlockPixels, so that a
//    block's bounding box in v = (y, x, r, g, b) is small. Per block, a vectorised pass gives
//    every neighbour k a lower bound of D_k over the box (box_lower_bounds); a few seed
//    neighbours give an upper bound of D_min over the block's pixels; neighbours whose bound
//    is beyond the weight cut (below) for every pixel are dropped, and the rest are sorted by
//    bound. The block's pixels then go through in groups of kLanes, one pixel per SIMD lane
//    (simd.h: two 4-lane vectors; SSE2 natively, SIMD128 in wasm): a pass over the kept
//    neighbours in bound order computes D and the lane-wise minimum, stopping as soon as the
//    next bound is beyond the cut for all lanes; a second pass computes the weights and
//    weighted sums. Nothing is allocated per pixel: the scratch belongs to a chunk of
//    superpixels.
//  * Pruning is a bound, not a guess: a weight w = exp(-(D - D_min) / sigma_g) is left out only
//    when D - D_min >= T sigma_g, i.e. w < exp(-T), with T = ln(|N(p)| * colour range /
//    kPruningBudget); the nearest neighbour has w = 1, so the left-out weights change I_hat by
//    at most |N(p)| exp(-T) * range = kPruningBudget (see fuse()). Results depend only on each
//    superpixel's own data, never on the thread count.
//  * The weights are exp(-(D - D_min) / sigma_g): the same ratio as eq. 3-4 (the factor
//    exp(D_min / sigma_g) cancels) with the largest weight exactly 1, so nothing underflows to
//    0/0. exp itself is a vectorisable polynomial (exp_nonpositive) accurate to ~2e-7.
#include "fusion.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "fast_exp.h"
#include "simd.h"

namespace supercolor {
namespace {

// Pixels processed together: one lane each (2 x SSE / 1 x AVX / 2 x wasm SIMD128 registers).
constexpr int kLanes = 8;

// Pixels of one superpixel that share one pruning decision: a block of kBlockPixels / kLanes
// groups.
constexpr int kBlockPixels = 64;

// Superpixels per parallel chunk (the chunking does not affect results: every pixel is
// computed from its own superpixel's data only).
constexpr std::size_t kSuperpixelsPerChunk = 16;

// Part of the 0.5/255 tolerance (method.md §1.6) spent on the weights left out by pruning (a worst
// case: the measured effect is below 0.01/255); the rest covers float rounding (measured below
// 0.005/255 on the test pairs, bench_fusion).
constexpr double kPruningBudget = 0.25 / 255.0;

// Largest magnitude of a coefficient of M_pos / M_rgb: beyond it D could overflow float (only
// an absurdly small epsilon gets there; such a Sigma is rejected).
constexpr double kMaxCoefficient = 1e15;

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
    // Only an absurdly small epsilon (coefficients ~ 1/sqrt(epsilon)) can make these
    // non-finite, or so large that D overflows float.
    if (!std::all_of(out, out + kFieldCount,
                     [](float v) { return std::isfinite(v) && std::abs(v) <= kMaxCoefficient; })) {
      invalid("fusion: Sigma of superpixel " + std::to_string(i) +
              " is too close to singular for float (epsilon " + format_value(params.epsilon) +
              " too small)");
    }
  }
  return coefficients;
}

// Squared Mahalanobis distance D_i(p) of one pixel (eq. 5's exponent) from coefficient row c,
// as a sum of squares -- the arithmetic of group_distances, one pixel at a time (for the
// per-block upper bound on D_min).
float pixel_distance(const float* c, float y, float x, float r, float g, float b) {
  const float dy = y - c[kMeanY], dx = x - c[kMeanX];
  const float z0 = c[kPos00] * dy;
  const float z1 = c[kPos10] * dy + c[kPos11] * dx;
  const float dr = r - c[kMeanR], dg = g - c[kMeanG], db = b - c[kMeanB];
  const float z2 = c[kRgb00] * dr;
  const float z3 = c[kRgb10] * dr + c[kRgb11] * dg;
  const float z4 = c[kRgb20] * dr + c[kRgb21] * dg + c[kRgb22] * db;
  return (z0 * z0 + z1 * z1) + (z2 * z2 + z3 * z3 + z4 * z4);
}

// Bounding box of a block of pixels in v = (y, x, r, g, b): centre and half-widths.
struct Box {
  float centre[5], half[5];
};

// Fields of the candidates' rows that the box bound reads, stored field by field (structure
// of arrays) so that the bound vectorises over candidates.
enum BoundField : int { kBoundFieldCount = kRgb22 + 1 };  // kMeanY .. kRgb22

// A lower bound of D_k(p) for every candidate k and every v(p) in `box`. Each z_j = M_j (v -
// vbar(k)) of the sum of squares is linear in v, so over the box it lies in the interval
// M_j (centre - vbar) -/+ sum_c |M_jc| half_c, and z_j^2 is at least the squared distance of
// that interval from 0. Evaluated in float: callers shrink it by a margin that covers rounding.
void box_lower_bounds(int count, int stride, const float* fields, const Box& box, float* bounds) {
  using simd::Float4;
  const float* f[kBoundFieldCount];
  for (int k = 0; k < kBoundFieldCount; ++k) f[k] = fields + std::size_t(k) * stride;
  const Float4 cy = simd::broadcast(box.centre[0]), cx = simd::broadcast(box.centre[1]),
               cr = simd::broadcast(box.centre[2]), cg = simd::broadcast(box.centre[3]),
               cb = simd::broadcast(box.centre[4]);
  const Float4 hy = simd::broadcast(box.half[0]), hx = simd::broadcast(box.half[1]),
               hr = simd::broadcast(box.half[2]), hg = simd::broadcast(box.half[3]),
               hb = simd::broadcast(box.half[4]);
  const Float4 zero = simd::broadcast(0.0f);
  // Squared distance of the interval centre -/+ radius from 0.
  const auto outside = [&](Float4 centre, Float4 radius) {
    const Float4 gap = simd::max(simd::abs(centre) - radius, zero);
    return gap * gap;
  };
  // Whole vectors: the arrays are padded to a multiple of simd::kWidth (stride), and bounds of
  // the padding lanes are never read.
  for (int j = 0; j < count; j += simd::kWidth) {
    const auto field = [&](int k) { return simd::load(f[k] + j); };
    const Float4 ey = cy - field(kMeanY), ex = cx - field(kMeanX);
    const Float4 er = cr - field(kMeanR), eg = cg - field(kMeanG), eb = cb - field(kMeanB);
    const Float4 p00 = field(kPos00), p10 = field(kPos10), p11 = field(kPos11);
    const Float4 r00 = field(kRgb00), r10 = field(kRgb10), r11 = field(kRgb11);
    const Float4 r20 = field(kRgb20), r21 = field(kRgb21), r22 = field(kRgb22);
    const Float4 position = outside(p00 * ey, simd::abs(p00) * hy) +
                            outside(p10 * ey + p11 * ex, simd::abs(p10) * hy + simd::abs(p11) * hx);
    const Float4 colour = outside(r00 * er, simd::abs(r00) * hr) +
                          outside(r10 * er + r11 * eg, simd::abs(r10) * hr + simd::abs(r11) * hg) +
                          outside(r20 * er + r21 * eg + r22 * eb,
                                  simd::abs(r20) * hr + simd::abs(r21) * hg + simd::abs(r22) * hb);
    simd::store(bounds + j, position + colour);
  }
}

// A group of kLanes pixels, structure of arrays: the loops below run over neighbours k outside
// and over these lanes inside, so every lane-wise operation (including the running minimum
// and the sums) is a vertical SIMD operation -- no horizontal reductions -- and each
// neighbour's coefficients are read once per group, not per pixel.
struct PixelGroup {
  float y[kLanes], x[kLanes], r[kLanes], g[kLanes], b[kLanes];
};

// A neighbour kept for a block: the lower bound of its D over the block, and its label, packed
// into one integer that sorts by (bound, label): the bit pattern of a non-negative float
// orders as the float does, so sorting is a plain integer sort.
struct Kept {
  uint64_t key;

  static Kept of(float bound, int32_t label) {
    uint32_t bits;
    std::memcpy(&bits, &bound, sizeof bits);
    return Kept{(uint64_t(bits) << 32) | uint32_t(label)};
  }
  float bound() const {
    const uint32_t bits = uint32_t(key >> 32);
    float bound;
    std::memcpy(&bound, &bits, sizeof bound);
    return bound;
  }
  int32_t label() const { return int32_t(uint32_t(key)); }
  bool operator<(const Kept& other) const { return key < other.key; }
};

// Scratch for one chunk of superpixels (nothing is allocated per pixel).
struct Scratch {
  explicit Scratch(int max_neighbours)
      : stride((max_neighbours + simd::kWidth - 1) / simd::kWidth * simd::kWidth),
        candidates(static_cast<std::size_t>(max_neighbours)),
        fields(static_cast<std::size_t>(stride) * kBoundFieldCount),
        bounds(static_cast<std::size_t>(stride)),
        kept(static_cast<std::size_t>(max_neighbours)),
        distances(static_cast<std::size_t>(max_neighbours) * kLanes),
        live(static_cast<std::size_t>(max_neighbours)) {}

  int stride;  // capacity of the per-candidate arrays, a multiple of simd::kWidth
  int candidate_count = 0;
  std::vector<int32_t> candidates;  // N(s) of the current superpixel s
  std::vector<float> fields;        // kBoundFieldCount x stride: candidates' bound fields
  std::vector<float> bounds;        // per candidate: lower bound of D over the current block
  int kept_count = 0;
  std::vector<Kept> kept;        // candidates that may matter to the block, by bound
  std::vector<float> distances;  // kept x kLanes: D of the group's pixel l
  std::vector<int> live;         // kept neighbours above the weight cut for a group
  std::vector<std::pair<uint32_t, uint32_t>> order;  // (colour key, pixel) of s, sorted
  PixelGroup block[kBlockPixels / kLanes];
};

// N(s): superpixels whose centroid is within `radius` of the centroid of s (Euclidean,
// normalised coordinates, computed in double from the stats), and their bound fields.
// Transparency (stats.coverage given): a superpixel without visible pixels gets no weight in
// the fusion of a superpixel that has some -- it is left out of N(s), so a region hidden
// under alpha = 0 cannot pull visible pixels towards its matched colour. A hidden superpixel's
// own (invisible) pixels keep the full neighbourhood, so that they stay well defined.
void gather_candidates(int own, const SuperpixelStats& stats, const std::vector<float>& rows,
                       double radius, Scratch& scratch) {
  const double own_y = stats.mean_position[2 * static_cast<std::size_t>(own)];
  const double own_x = stats.mean_position[2 * static_cast<std::size_t>(own) + 1];
  const bool skip_hidden = !stats.coverage.empty() && stats.coverage[own] > 0.0;
  int count = 0;
  for (int i = 0; i < stats.count; ++i) {
    if (stats.pixel_count[i] <= 0) continue;  // an unused label has no centroid
    if (skip_hidden && !(stats.coverage[i] > 0.0)) continue;
    const double dy = stats.mean_position[2 * static_cast<std::size_t>(i)] - own_y;
    const double dx = stats.mean_position[2 * static_cast<std::size_t>(i) + 1] - own_x;
    if (!(std::sqrt(dy * dy + dx * dx) <= radius)) continue;
    scratch.candidates[count] = i;
    const float* row = &rows[std::size_t(i) * kFieldCount];
    for (int f = 0; f < kBoundFieldCount; ++f) {
      scratch.fields[std::size_t(f) * scratch.stride + count] = row[f];
    }
    ++count;
  }
  scratch.candidate_count = count;
}

// Pruning settings of one superpixel.
struct Pruning {
  // Weights below exp(-cut_exponent) relative to the largest (1) are left out.
  double cut_exponent = 0.0;
  // > 0: fixed 1/sigma_g (float, as the kernel uses it); 0: adaptive.
  float fixed_inverse_sigma = 0.0f;

  // Smallest D that is certainly cut for a pixel whose D_min is at most `upper_min`: D - D_min
  // >= T sigma_g, with sigma_g = D_min + 1e-5 (adaptive, increasing in D_min) or fixed. The
  // margin (relative 1e-3, far above float's 6e-8 per operation) covers the rounding of D, of
  // the bounds and of sigma_g.
  double threshold(double upper_min) const {
    upper_min = upper_min * 1.001 + 1e-30;
    return fixed_inverse_sigma > 0.0f ? upper_min + cut_exponent / double(fixed_inverse_sigma)
                                      : upper_min + cut_exponent * (upper_min + 1e-5);
  }
  static bool beyond(float bound, double threshold) { return double(bound) * 0.999 >= threshold; }
};

// Largest of a vector's lanes.
float simd_max_lane(simd::Float4 v) {
  float lanes[simd::kWidth];
  simd::store(lanes, v);
  return std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
}

// Neighbours are visited in order of their bound; every kStopInterval of them the group checks
// whether the next bound already exceeds the cut for all its lanes.
constexpr int kStopInterval = 8;

// The per-group loops are written with simd.h (two 4-lane vectors per group of 8 pixels):
// GCC 12 does not vectorise the selects of the weighted sums, nor the bounds' clamps.

// distances[k * kLanes + l] = D_k(pixel l) (eq. 5's exponent) for the kept neighbours in order,
// from centred differences, as a sum of squares; min_distance[l] = min_k D_k(pixel l). Stops
// early once the next neighbour's lower bound shows that it and all later ones (larger
// bounds) are cut for every lane: the lanes' running minima only decrease, so the cut only
// moves down. Returns the number of neighbours visited.
int group_distances(int count, const Kept* kept, const float* rows, const PixelGroup& group,
                    const Pruning& pruning, float* distances, float* min_distance) {
  using simd::broadcast;
  using simd::Float4;
  static_assert(kLanes == 2 * simd::kWidth, "a group is two vectors");
  const Float4 y[2] = {simd::load(group.y), simd::load(group.y + 4)};
  const Float4 x[2] = {simd::load(group.x), simd::load(group.x + 4)};
  const Float4 r[2] = {simd::load(group.r), simd::load(group.r + 4)};
  const Float4 g[2] = {simd::load(group.g), simd::load(group.g + 4)};
  const Float4 b[2] = {simd::load(group.b), simd::load(group.b + 4)};
  Float4 lane_min[2] = {broadcast(std::numeric_limits<float>::max()),
                        broadcast(std::numeric_limits<float>::max())};
  int k = 0;
  while (k < count) {
    const int stop = std::min(count, k + kStopInterval);
    for (; k < stop; ++k) {
      const float* c = rows + static_cast<std::size_t>(kept[k].label()) * kFieldCount;
      const Float4 mean_y = broadcast(c[kMeanY]), mean_x = broadcast(c[kMeanX]);
      const Float4 pos00 = broadcast(c[kPos00]), pos10 = broadcast(c[kPos10]),
                   pos11 = broadcast(c[kPos11]);
      const Float4 mean_r = broadcast(c[kMeanR]), mean_g = broadcast(c[kMeanG]),
                   mean_b = broadcast(c[kMeanB]);
      const Float4 rgb00 = broadcast(c[kRgb00]), rgb10 = broadcast(c[kRgb10]),
                   rgb11 = broadcast(c[kRgb11]), rgb20 = broadcast(c[kRgb20]),
                   rgb21 = broadcast(c[kRgb21]), rgb22 = broadcast(c[kRgb22]);
      float* d = distances + static_cast<std::size_t>(k) * kLanes;
      for (int h = 0; h < 2; ++h) {
        const Float4 dy = y[h] - mean_y, dx = x[h] - mean_x;
        const Float4 z0 = pos00 * dy;
        const Float4 z1 = pos10 * dy + pos11 * dx;
        const Float4 dr = r[h] - mean_r, dg = g[h] - mean_g, db = b[h] - mean_b;
        const Float4 z2 = rgb00 * dr;
        const Float4 z3 = rgb10 * dr + rgb11 * dg;
        const Float4 z4 = rgb20 * dr + rgb21 * dg + rgb22 * db;
        const Float4 distance = (z0 * z0 + z1 * z1) + (z2 * z2 + z3 * z3 + z4 * z4);
        simd::store(d + h * simd::kWidth, distance);
        lane_min[h] = simd::min(distance, lane_min[h]);
      }
    }
    if (k < count) {
      const float worst = simd_max_lane(simd::max(lane_min[0], lane_min[1]));
      if (Pruning::beyond(kept[k].bound(), pruning.threshold(worst))) break;
    }
  }
  simd::store(min_distance, lane_min[0]);
  simd::store(min_distance + 4, lane_min[1]);
  return k;
}

// Eq. 3-4 for each lane: sum_k w_k c(k) / sum_k w_k with w_k = exp(-(D_k - D_min) / sigma_g)
// = d(p,k) / exp(-D_min / sigma_g) in (0, 1], and w_k = 0 where D_k - D_min >= cut = T sigma_g
// (the pruning bound: such a weight is below exp(-T)). The exponent is clamped to the cut
// before exp so that exp's argument stays in range in every lane, including the dropped ones.
void group_weighted_means(int count, const Kept* kept, const float* rows, const float* distances,
                          const float* min_distance, const float* inverse_sigma, const float* cut,
                          int* live, float* sums) {
  using simd::broadcast;
  using simd::Float4;
  const Float4 d_min[2] = {simd::load(min_distance), simd::load(min_distance + 4)};
  const Float4 inverse[2] = {simd::load(inverse_sigma), simd::load(inverse_sigma + 4)};
  const Float4 limit[2] = {simd::load(cut), simd::load(cut + 4)};
  // Neighbours cut in every lane are filtered into a list first.
  int live_count = 0;
  for (int k = 0; k < count; ++k) {
    const float* d = distances + static_cast<std::size_t>(k) * kLanes;
    const bool any_lane = simd::any(simd::less(simd::load(d) - d_min[0], limit[0])) ||
                          simd::any(simd::less(simd::load(d + 4) - d_min[1], limit[1]));
    live[live_count] = k;
    live_count += any_lane ? 1 : 0;
  }
  const Float4 zero = broadcast(0.0f);
  Float4 sum_w[2] = {zero, zero}, sum_r[2] = {zero, zero}, sum_g[2] = {zero, zero},
         sum_b[2] = {zero, zero};
  for (int j = 0; j < live_count; ++j) {
    const float* c = rows + static_cast<std::size_t>(kept[live[j]].label()) * kFieldCount;
    const float* d = distances + static_cast<std::size_t>(live[j]) * kLanes;
    const Float4 color_r = broadcast(c[kColorR]), color_g = broadcast(c[kColorG]),
                 color_b = broadcast(c[kColorB]);
    for (int h = 0; h < 2; ++h) {
      const Float4 difference = simd::load(d + h * simd::kWidth) - d_min[h];
      const Float4 in = simd::less(difference, limit[h]);
      const Float4 clamped = simd::min(difference, limit[h]);
      const Float4 w = simd::keep(in, exp_nonpositive(zero - clamped * inverse[h]));
      sum_w[h] = sum_w[h] + w;
      sum_r[h] = sum_r[h] + w * color_r;
      sum_g[h] = sum_g[h] + w * color_g;
      sum_b[h] = sum_b[h] + w * color_b;
    }
  }
  for (int h = 0; h < 2; ++h) {
    simd::store(sums + h * simd::kWidth, sum_w[h]);
    simd::store(sums + kLanes + h * simd::kWidth, sum_r[h]);
    simd::store(sums + 2 * kLanes + h * simd::kWidth, sum_g[h]);
    simd::store(sums + 3 * kLanes + h * simd::kWidth, sum_b[h]);
  }
}

// I_hat for the group's pixels. results[l] receives pixel l's colour.
void fuse_group(Scratch& scratch, const PixelGroup& group, const std::vector<float>& rows,
                const Pruning& pruning, float results[kLanes][3]) {
  float min_distance[kLanes], inverse_sigma[kLanes], cut[kLanes];
  float sums[4 * kLanes];
  const int visited = group_distances(scratch.kept_count, scratch.kept.data(), rows.data(), group,
                                      pruning, scratch.distances.data(), min_distance);
  for (int l = 0; l < kLanes; ++l) {
    // Adaptive bandwidth sigma_g(p) = D_min + 1e-5 (method.md §1.6), in double so that 1e-5 is
    // not lost next to a large D_min.
    const double inverse = pruning.fixed_inverse_sigma > 0.0f
                               ? pruning.fixed_inverse_sigma
                               : 1.0 / (double(min_distance[l]) + 1e-5);
    inverse_sigma[l] =
        static_cast<float>(std::clamp(inverse, double(std::numeric_limits<float>::min()),
                                      double(std::numeric_limits<float>::max())));
    cut[l] = static_cast<float>(std::min(pruning.cut_exponent / inverse_sigma[l],
                                         double(std::numeric_limits<float>::max())));
  }
  group_weighted_means(visited, scratch.kept.data(), rows.data(), scratch.distances.data(),
                       min_distance, inverse_sigma, cut, scratch.live.data(), sums);
  for (int l = 0; l < kLanes; ++l) {
    // sum_w >= 1: the nearest neighbour has weight 1.
    const double sum_w = sums[l];
    for (int c = 0; c < 3; ++c) {
      results[l][c] = static_cast<float>(sums[(c + 1) * kLanes + l] / sum_w);
    }
  }
}

// Fills scratch.kept, in order of their bounds, with the candidates that can matter to some
// pixel of the block (lanes [0, pixels) of scratch.block): candidate k is left out when a lower
// bound of D_k over the block's box is beyond the cut for every pixel of the block, with
// D_min(p) bounded from above by the distances to a few seed candidates. The true nearest
// neighbour of every pixel is kept (its bound is <= D_min(p) <= that upper bound), so D_min
// over the kept ones is exact.
void select_block_neighbours(int own, int pixels, const std::vector<float>& rows,
                             const Pruning& pruning, Scratch& scratch) {
  Box box;
  {
    float lo[5], hi[5];
    for (int f = 0; f < 5; ++f) lo[f] = std::numeric_limits<float>::max(), hi[f] = -lo[f];
    for (int p = 0; p < pixels; ++p) {
      const PixelGroup& g = scratch.block[p / kLanes];
      const int l = p % kLanes;
      const float v[5] = {g.y[l], g.x[l], g.r[l], g.g[l], g.b[l]};
      for (int f = 0; f < 5; ++f) lo[f] = std::min(lo[f], v[f]), hi[f] = std::max(hi[f], v[f]);
    }
    for (int f = 0; f < 5; ++f) {
      box.centre[f] = 0.5f * (lo[f] + hi[f]);
      // Widened a little: the centre is rounded, and the box must contain every pixel.
      box.half[f] = 0.5f * (hi[f] - lo[f]) * 1.0001f + 1e-7f;
    }
  }
  const int candidates = scratch.candidate_count;
  box_lower_bounds(candidates, scratch.stride, scratch.fields.data(), box, scratch.bounds.data());
  // Seeds for the upper bound on D_min: the own superpixel and the two candidates with the
  // smallest bounds (the likely nearest for pixels unlike their superpixel's mean).
  int seeds[3] = {own, -1, -1};
  float seed_bounds[2] = {std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::infinity()};
  for (int j = 0; j < candidates; ++j) {
    const float bound = scratch.bounds[j];
    if (bound < seed_bounds[1] && scratch.candidates[j] != own) {
      if (bound < seed_bounds[0]) {
        seed_bounds[1] = seed_bounds[0], seeds[2] = seeds[1];
        seed_bounds[0] = bound, seeds[1] = scratch.candidates[j];
      } else {
        seed_bounds[1] = bound, seeds[2] = scratch.candidates[j];
      }
    }
  }
  double upper_min = 0.0;  // max over the block's pixels of min over the seeds of D
  for (int p = 0; p < pixels; ++p) {
    const PixelGroup& g = scratch.block[p / kLanes];
    const int l = p % kLanes;
    float nearest = std::numeric_limits<float>::max();
    for (int seed : seeds) {
      if (seed < 0) continue;
      nearest = std::min(nearest, pixel_distance(&rows[std::size_t(seed) * kFieldCount], g.y[l],
                                                 g.x[l], g.r[l], g.g[l], g.b[l]));
    }
    upper_min = std::max(upper_min, double(nearest));
  }
  const double threshold = pruning.threshold(upper_min);
  int count = 0;
  for (int j = 0; j < candidates; ++j) {
    if (Pruning::beyond(scratch.bounds[j], threshold)) continue;
    scratch.kept[count++] = Kept::of(scratch.bounds[j], scratch.candidates[j]);
  }
  // Nearest (by bound) first: the groups' running D_min then falls early, and the groups stop
  // as soon as the remaining bounds are beyond the cut.
  std::sort(scratch.kept.begin(), scratch.kept.begin() + count);
  scratch.kept_count = count;
}

// A key that orders a superpixel's pixels so that consecutive ones have similar colours (a
// Morton code of the top 6 bits of r, g, b): blocks of consecutive pixels then have small
// colour boxes, which is what makes the block bound prune.
uint32_t colour_key(float r, float g, float b) {
  const auto quantise = [](float v) {
    return static_cast<uint32_t>(std::clamp(v, 0.0f, 1.0f) * 63.0f + 0.5f);
  };
  const uint32_t q[3] = {quantise(r), quantise(g), quantise(b)};
  uint32_t key = 0;
  for (int bit = 5; bit >= 0; --bit) {
    for (int c = 0; c < 3; ++c) key = (key << 1) | ((q[c] >> bit) & 1u);
  }
  return key;
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
      stats.cov_rgb.size() != 6 * count ||
      (!stats.coverage.empty() && stats.coverage.size() != count)) {
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
  // Parameters were validated at the boundary (validate_params); see kDebugChecks.
  if constexpr (kDebugChecks) validate_fusion_params(params);
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

  // Pruning (a bound, not a guess). Leaving out neighbours S of a pixel changes channel c of
  // I_hat by W_S / W * |mean_S(c) - mean_kept(c)| <= W_S * range(c), since the weights W sum to
  // >= 1 (the nearest has weight 1). Each left-out weight is < exp(-T) and there are fewer than
  // |N(p)| of them, so T = ln(|N(p)| * range / budget) keeps the change below the budget.
  double range = 0.0;
  for (int c = 0; c < 3; ++c) {
    float lo = std::numeric_limits<float>::max(), hi = -lo;
    for (int i = 0; i < count; ++i) {
      if (stats.pixel_count[i] <= 0) continue;
      lo = std::min(lo, colors[3 * std::size_t(i) + c]);
      hi = std::max(hi, colors[3 * std::size_t(i) + c]);
    }
    if (hi >= lo) range = std::max(range, double(hi) - double(lo));
  }
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
        Scratch scratch(count);
        float results[kLanes][3];
        for (std::size_t s = first; s < last; ++s) {
          const std::size_t begin = group_start[s], end = group_start[s + 1];
          if (begin == end) continue;
          gather_candidates(static_cast<int>(s), stats, coefficients, params.radius, scratch);
          // The neighbourhood's size bounds the number of weights left out for a pixel. T is
          // at least 1 (all colours equal: any cut is exact) and at most 80 (exp's range).
          Pruning pruning;
          pruning.fixed_inverse_sigma = fixed_inverse_sigma;
          pruning.cut_exponent = std::clamp(
              std::log(std::max(1.0, scratch.candidate_count * range / kPruningBudget)), 1.0, 80.0);
          // The superpixel's pixels in colour order (ties by pixel index: deterministic).
          scratch.order.clear();
          for (std::size_t q = begin; q < end; ++q) {
            const uint32_t p = grouped_pixels[q];
            scratch.order.emplace_back(
                colour_key(target.rgb[3 * std::size_t(p)], target.rgb[3 * std::size_t(p) + 1],
                           target.rgb[3 * std::size_t(p) + 2]),
                p);
          }
          std::sort(scratch.order.begin(), scratch.order.end());
          const std::size_t total = end - begin;
          for (std::size_t block_begin = 0; block_begin < total; block_begin += kBlockPixels) {
            const int pixels =
                static_cast<int>(std::min<std::size_t>(kBlockPixels, total - block_begin));
            const int groups = (pixels + kLanes - 1) / kLanes;
            for (int q = 0; q < groups * kLanes; ++q) {
              // A short last group repeats the block's last pixel; those lanes are not written
              // back (and do not widen the block's box).
              const uint32_t p = scratch.order[block_begin + std::min(q, pixels - 1)].second;
              PixelGroup& group = scratch.block[q / kLanes];
              const int l = q % kLanes;
              group.y[l] = row_coordinate[p / width];
              group.x[l] = column_coordinate[p % width];
              group.r[l] = target.rgb[3 * std::size_t(p)];
              group.g[l] = target.rgb[3 * std::size_t(p) + 1];
              group.b[l] = target.rgb[3 * std::size_t(p) + 2];
            }
            select_block_neighbours(static_cast<int>(s), pixels, coefficients, pruning, scratch);
            for (int q = 0; q < groups; ++q) {
              fuse_group(scratch, scratch.block[q], coefficients, pruning, results);
              const int lanes = std::min(kLanes, pixels - q * kLanes);
              for (int l = 0; l < lanes; ++l) {
                const uint32_t p = scratch.order[block_begin + q * kLanes + l].second;
                std::copy_n(results[l], 3, &fused.rgb[3 * std::size_t(p)]);
              }
            }
          }
        }
      },
      Progress::kReport);
  return fused;
}

RgbImage paint_superpixels(const Segmentation& segmentation, const float* colors) {
  validate_segmentation(segmentation, "paint");
  validate_colors(colors, segmentation.count);
  RgbImage painted{segmentation.width, segmentation.height,
                   std::vector<float>(3 * segmentation.labels.size())};
  for (std::size_t p = 0; p < segmentation.labels.size(); ++p) {
    const float* color = &colors[3 * static_cast<std::size_t>(segmentation.labels[p])];
    painted.rgb[3 * p] = color[0];
    painted.rgb[3 * p + 1] = color[1];
    painted.rgb[3 * p + 2] = color[2];
  }
  return painted;
}

}  // namespace supercolor
