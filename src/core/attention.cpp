// Attention between target and reference super-features (paper eq. 1-2) and direct matching
// c(i) = sum_j A(i,j) Ibar_R(j) (method.md §1.4-1.5).
//
// M = T_hat R_hat^T, where the rows of T_hat / R_hat are the centred super-features divided by
// their norms (eq. 2), so M is one float GEMM per block of target rows; A is its row-wise softmax
// at temperature tau (eq. 1). Only block_rows x N_R of M/A exist at any time.
#include "attention.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "error.h"

namespace supercolor {

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

void validate_features(const SuperFeatures& features) {
  if (features.channels < 1) {
    invalid("super-features have " + std::to_string(features.channels) + " channels");
  }
  if (features.target == nullptr) invalid("target super-features are null");
  if (features.reference == nullptr) invalid("reference super-features are null");
  if (features.target_count < 1) {
    invalid("target superpixel count " + std::to_string(features.target_count) + " < 1");
  }
  if (features.reference_count < 1) {
    invalid("reference superpixel count " + std::to_string(features.reference_count) + " < 1");
  }
  const auto check_visibility = [](const float* visibility, int count, const char* what) {
    if (visibility == nullptr) return;
    bool any = false;
    for (int i = 0; i < count; ++i) {
      if (!(visibility[i] >= 0.0f && visibility[i] <= 1.0f)) {
        invalid(std::string(what) + " superpixel visibility " + std::to_string(i) +
                " is not in [0, 1]");
      }
      any = any || visibility[i] > 0.0f;
    }
    if (!any) invalid(std::string(what) + " has no visible superpixel");
  };
  check_visibility(features.target_visibility, features.target_count, "target");
  check_visibility(features.reference_visibility, features.reference_count, "reference");
}

// Rows of `features` (count x channels) minus their mean over the rows (unweighted, or weighted
// by `visibility` when given, so that transparent superpixels do not shift mu), divided by
// their L2 norm: the factors of eq. 2. A row equal to the mean has no direction; it stays zero,
// so its correlation with everything is 0. Computed in double, stored as float for the GEMM.
RowMatrix centred_unit_rows(const float* features, int count, int channels, const float* visibility,
                            const char* what) {
  const std::size_t c = static_cast<std::size_t>(channels);
  std::vector<double> mean(c, 0.0);
  double total_visibility = 0.0;
  for (int i = 0; i < count; ++i) {
    const float* row = features + static_cast<std::size_t>(i) * c;
    const double weight = visibility != nullptr ? visibility[i] : 0.0;
    total_visibility += weight;
    for (std::size_t k = 0; k < c; ++k) {
      if (!std::isfinite(row[k])) {
        invalid(std::string(what) + " super-feature " + std::to_string(i) + " channel " +
                std::to_string(k) + " is not finite");
      }
      if (visibility != nullptr) {
        mean[k] += weight * row[k];
      } else {
        mean[k] += row[k];
      }
    }
  }
  for (double& m : mean) m /= visibility != nullptr ? total_visibility : count;

  RowMatrix unit(count, channels);
  std::vector<double> centred(c);
  for (int i = 0; i < count; ++i) {
    const float* row = features + static_cast<std::size_t>(i) * c;
    double squared_norm = 0.0;
    for (std::size_t k = 0; k < c; ++k) {
      centred[k] = row[k] - mean[k];
      squared_norm += centred[k] * centred[k];
    }
    const double inverse_norm = squared_norm > 0.0 ? 1.0 / std::sqrt(squared_norm) : 0.0;
    for (std::size_t k = 0; k < c; ++k) {
      unit(i, static_cast<Eigen::Index>(k)) = static_cast<float>(centred[k] * inverse_norm);
    }
  }
  return unit;
}

// row[k] <- exp((row[k] - row_max) / tau), in place: the numerators of eq. 1's softmax. Every
// argument is <= 0 because row_max is the row's maximum, so the result is in [0, 1]. This is the
// other hot loop beside the GEMM (one exp per entry of A): std::exp and Eigen's exp do not
// vectorise here (GCC will not if-convert float compares; Eigen has no wasm SIMD backend), so
// it is written branch-free for the auto-vectoriser: exp(x) = 2^n exp(r), n = round(x / ln 2),
// |r| <= ln(2)/2, exp(r) by its degree-7 Taylor polynomial (relative error ~1e-7, like
// std::exp in float). Arguments below -87 give 0 (exp(-87) ~ 1.6e-38 is the smallest result kept
// as a normal float; anything smaller is negligible beside the row's maximum weight of 1).
void softmax_numerators_row(float* row, std::size_t count, float row_max, float tau) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2High = 0.693359375f;  // ln 2 = kLn2High + kLn2Low, kLn2High exact in 9 bits
  constexpr float kLn2Low = -2.12194440e-4f;
  constexpr float kRoundToInteger = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  constexpr int32_t kSignBit = static_cast<int32_t>(0x80000000u);
  constexpr int32_t kMagnitudeBits = 0x7fffffff;
  constexpr int32_t kLimitBits = 0x42ae0000;  // bit pattern of 87.0f
  for (std::size_t k = 0; k < count; ++k) {
    // Divide rather than multiply by 1/tau: 1/tau overflows for a tiny tau.
    const float argument = (row[k] - row_max) / tau;
    // Clamp |argument| to 87 on its bit pattern: integer compares vectorise, float ones don't
    // under GCC's default -ftrapping-math. Also makes the float -> int conversion below safe.
    // (GCC 12 if-converts these selects only as separate statements: keep them so.)
    int32_t argument_bits;
    std::memcpy(&argument_bits, &argument, sizeof argument_bits);
    const int32_t magnitude = argument_bits & kMagnitudeBits;
    const int32_t keep_mask = magnitude <= kLimitBits ? -1 : 0;
    const int32_t clamped_magnitude = magnitude < kLimitBits ? magnitude : kLimitBits;
    const int32_t clamped_bits = clamped_magnitude | kSignBit;
    float x;
    std::memcpy(&x, &clamped_bits, sizeof x);
    const float n = (x * kLog2e + kRoundToInteger) - kRoundToInteger;  // in [-126, 0]
    const float r = (x - n * kLn2High) - n * kLn2Low;
    float polynomial = 1.0f / 5040;
    polynomial = polynomial * r + 1.0f / 720;
    polynomial = polynomial * r + 1.0f / 120;
    polynomial = polynomial * r + 1.0f / 24;
    polynomial = polynomial * r + 1.0f / 6;
    polynomial = polynomial * r + 0.5f;
    polynomial = polynomial * r + 1.0f;
    polynomial = polynomial * r + 1.0f;
    // 2^n built in the exponent field (n >= -126 keeps it a normal float); 0 when underflowing.
    const int32_t scale_bits = ((static_cast<int32_t>(n) + 127) << 23) & keep_mask;
    float scale;
    std::memcpy(&scale, &scale_bits, sizeof scale);
    row[k] = polynomial * scale;
  }
}

// The normalised factors of both images, computed once per call and shared by all blocks.
class AttentionKernel {
 public:
  AttentionKernel(const SuperFeatures& features, const AttentionParams& params)
      : target_(centred_unit_rows(features.target, features.target_count, features.channels,
                                  features.target_visibility, "target")),
        reference_(centred_unit_rows(features.reference, features.reference_count,
                                     features.channels, features.reference_visibility,
                                     "reference")),
        tau_(params.tau) {
    if (features.reference_visibility != nullptr) {
      reference_visibility_.assign(features.reference_visibility,
                                   features.reference_visibility + features.reference_count);
    }
  }

  int reference_count() const { return static_cast<int>(reference_.rows()); }

  // For target rows [row_begin, row_begin + rows): weights(r, j) = exp((M(i,j) - max_j M(i,j)) /
  // tau), the unnormalised softmax of eq. 1 (subtracting the row max keeps exp in range for any
  // tau; the largest weight is exactly 1, so the row sum is >= 1), and row_sums(r) = sum_j.
  void softmax_numerators(int row_begin, int rows, RowMatrix& weights,
                          Eigen::VectorXf& row_sums) const {
    weights.resize(rows, reference_.rows());
    weights.noalias() = target_.middleRows(row_begin, rows) * reference_.transpose();
    row_sums.resize(rows);
    const std::size_t columns = static_cast<std::size_t>(reference_.rows());
    for (int r = 0; r < rows; ++r) {
      float* row = weights.row(r).data();
      if (reference_visibility_.empty()) {
        const float row_max = weights.row(r).maxCoeff();
        softmax_numerators_row(row, columns, row_max, tau_);
      } else {
        // The maximum over the visible columns only, so that the largest kept numerator is
        // v_j > 0 and the row sum cannot underflow to 0; hidden columns get weight 0.
        float row_max = -std::numeric_limits<float>::infinity();
        for (std::size_t j = 0; j < columns; ++j) {
          if (reference_visibility_[j] > 0.0f) row_max = std::max(row_max, row[j]);
        }
        softmax_numerators_row(row, columns, row_max, tau_);
        for (std::size_t j = 0; j < columns; ++j) row[j] *= reference_visibility_[j];
      }
      row_sums(r) = weights.row(r).sum();
    }
  }

 private:
  RowMatrix target_;     // N_T x C: (F_T(i) - mu_T) / ||F_T(i) - mu_T||
  RowMatrix reference_;  // N_R x C: (F_R(j) - mu_R) / ||F_R(j) - mu_R||
  float tau_;
  std::vector<float> reference_visibility_;  // N_R, empty = all 1
};

}  // namespace

void validate_attention_params(const AttentionParams& params) {
  if (!std::isfinite(params.tau) || params.tau <= 0.0f) {
    invalid("attention temperature tau = " + std::to_string(params.tau) +
            " must be finite and > 0");
  }
  if (params.block_rows < 1) {
    invalid("attention block_rows = " + std::to_string(params.block_rows) + " must be >= 1");
  }
}

std::vector<float> direct_colors(const SuperFeatures& features, const float* reference_rgb,
                                 const AttentionParams& params, const Context& ctx) {
  // Parameters were validated at the boundary (validate_params); see kDebugChecks.
  if constexpr (kDebugChecks) validate_attention_params(params);
  validate_features(features);
  if (reference_rgb == nullptr) invalid("reference superpixel colours are null");
  const int target_count = features.target_count;
  const int reference_count = features.reference_count;
  for (std::size_t k = 0; k < static_cast<std::size_t>(reference_count) * 3; ++k) {
    if (!std::isfinite(reference_rgb[k])) {
      invalid("reference superpixel colour " + std::to_string(k / 3) + " is not finite");
    }
  }
  const AttentionKernel kernel(features, params);
  const Eigen::Map<const RowMatrix> reference_colors(reference_rgb, reference_count, 3);

  std::vector<float> colors(static_cast<std::size_t>(target_count) * 3);
  // Chunks are exactly the blocks of target rows; every row's result depends only on its block,
  // so the output is identical for any thread count.
  parallel_for(ctx, 0, static_cast<std::size_t>(target_count),
               static_cast<std::size_t>(params.block_rows),
               [&](std::size_t row_begin, std::size_t row_end) {
                 const int rows = static_cast<int>(row_end - row_begin);
                 RowMatrix weights;
                 Eigen::VectorXf row_sums;
                 kernel.softmax_numerators(static_cast<int>(row_begin), rows, weights, row_sums);
                 // c(i) = sum_j A(i,j) Ibar_R(j), normalising after the product (eq. 1's
                 // softmax denominator is common to the whole row).
                 Eigen::Map<RowMatrix> block_colors(&colors[row_begin * 3], rows, 3);
                 block_colors.noalias() = weights * reference_colors;
                 block_colors.array().colwise() /= row_sums.array();
               });
  return colors;
}

void attention_rows(const SuperFeatures& features, const AttentionParams& params, int row_begin,
                    int row_end, float* out, const Context& ctx) {
  if constexpr (kDebugChecks) validate_attention_params(params);
  validate_features(features);
  if (row_begin < 0 || row_end < row_begin || row_end > features.target_count) {
    invalid("attention rows [" + std::to_string(row_begin) + ", " + std::to_string(row_end) +
            ") are not within [0, " + std::to_string(features.target_count) + ")");
  }
  if (row_begin == row_end) return;
  if (out == nullptr) invalid("attention output buffer is null");
  const AttentionKernel kernel(features, params);
  const int reference_count = kernel.reference_count();

  parallel_for(ctx, static_cast<std::size_t>(row_begin), static_cast<std::size_t>(row_end),
               static_cast<std::size_t>(params.block_rows),
               [&](std::size_t block_begin, std::size_t block_end) {
                 const int rows = static_cast<int>(block_end - block_begin);
                 RowMatrix weights;
                 Eigen::VectorXf row_sums;
                 kernel.softmax_numerators(static_cast<int>(block_begin), rows, weights, row_sums);
                 Eigen::Map<RowMatrix> block_out(
                     out + (block_begin - static_cast<std::size_t>(row_begin)) *
                               static_cast<std::size_t>(reference_count),
                     rows, reference_count);
                 block_out.array() = weights.array().colwise() / row_sums.array();
               });
}

}  // namespace supercolor
