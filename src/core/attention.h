// Attention between target and reference super-features (paper eq. 1-2, method.md §1.4-1.5).
#pragma once

#include <vector>

#include "parallel.h"

namespace supercolor {

struct AttentionParams {
  float tau = 0.02f;    // softmax temperature, > 0
  int block_rows = 64;  // target rows of A computed at once (bounds memory to block_rows x N_R)
};

void validate_attention_params(const AttentionParams& params);

// Super-features of both images, row-major N x C, same C.
// Optional visibilities (superpixel_visibility, superfeatures.h: the visible fraction of each
// superpixel, in [0,1]; null = all 1, the unweighted method bit for bit): the means mu_T, mu_R
// of eq. 2 become visibility-weighted means, and reference superpixel j's softmax numerator is
// multiplied by its visibility, A(i,j) = v_j exp(M(i,j)/tau) / sum_k v_k exp(M(i,k)/tau): a fully
// transparent reference superpixel receives no attention, a half visible one counts half. At
// least one reference visibility must be > 0.
struct SuperFeatures {
  const float* target = nullptr;
  int target_count = 0;
  const float* reference = nullptr;
  int reference_count = 0;
  int channels = 0;
  const float* target_visibility = nullptr;     // N_T, or null
  const float* reference_visibility = nullptr;  // N_R, or null
};

// Both functions: params must be valid (validate_attention_params; re-checked only with
// kDebugChecks, error.h).

// Direct matching c(i) = sum_j A(i,j) mean_rgb_R(j): N_T x 3. reference_rgb is N_R x 3.
// Never holds more than block_rows rows of A.
std::vector<float> direct_colors(const SuperFeatures& features, const float* reference_rgb,
                                 const AttentionParams& params, const Context& ctx);

// Rows [row_begin, row_end) of A (N_T x N_R), written row-major into out
// ((row_end-row_begin) x N_R). For visualisation and tests.
void attention_rows(const SuperFeatures& features, const AttentionParams& params, int row_begin,
                    int row_end, float* out, const Context& ctx);

}  // namespace supercolor
