// Attention (paper eq. 1-2) and direct matching (method.md §1.4-1.5) against a float64
// brute-force evaluation of the definition.
#include "core/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"

namespace supercolor {
namespace {

struct Features {
  int count = 0;
  int channels = 0;
  std::vector<float> values;  // count x channels
};

// Gaussian features (signed), or ReLU-like ones: non-negative, sparse, with a shared positive
// offset, like pooled VGG activations.
Features random_features(int count, int channels, bool relu_like, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Features features{count, channels, std::vector<float>(std::size_t(count) * channels)};
  std::vector<float> channel_scale(channels);
  for (float& scale : channel_scale) scale = 0.2f + 4.0f * std::abs(normal(rng));
  for (int i = 0; i < count; ++i) {
    for (int c = 0; c < channels; ++c) {
      float& value = features.values[std::size_t(i) * channels + c];
      value = relu_like ? channel_scale[c] * std::max(0.0f, normal(rng) - 0.3f) : normal(rng);
    }
  }
  return features;
}

std::vector<float> random_colors(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> colors(std::size_t(count) * 3);
  for (float& value : colors) value = uniform(rng);
  return colors;
}

SuperFeatures view(const Features& target, const Features& reference) {
  return SuperFeatures{target.values.data(), target.count, reference.values.data(), reference.count,
                       target.channels};
}

// M of eq. 2 in float64, straight from the definition.
std::vector<double> brute_force_correlation(const Features& target, const Features& reference) {
  const int channels = target.channels;
  const auto centred = [channels](const Features& features) {
    std::vector<double> mean(channels, 0.0);
    for (int i = 0; i < features.count; ++i) {
      for (int c = 0; c < channels; ++c) mean[c] += features.values[std::size_t(i) * channels + c];
    }
    for (double& m : mean) m /= features.count;
    std::vector<double> result(features.values.size());
    for (int i = 0; i < features.count; ++i) {
      for (int c = 0; c < channels; ++c) {
        result[std::size_t(i) * channels + c] =
            features.values[std::size_t(i) * channels + c] - mean[c];
      }
    }
    return result;
  };
  const std::vector<double> t = centred(target), r = centred(reference);
  std::vector<double> correlation(std::size_t(target.count) * reference.count);
  for (int i = 0; i < target.count; ++i) {
    for (int j = 0; j < reference.count; ++j) {
      double dot = 0, tt = 0, rr = 0;
      for (int c = 0; c < channels; ++c) {
        const double a = t[std::size_t(i) * channels + c], b = r[std::size_t(j) * channels + c];
        dot += a * b;
        tt += a * a;
        rr += b * b;
      }
      const double norms = std::sqrt(tt) * std::sqrt(rr);
      correlation[std::size_t(i) * reference.count + j] = norms > 0 ? dot / norms : 0.0;
    }
  }
  return correlation;
}

// A of eq. 1 and c(i) = sum_j A(i,j) Ibar_R(j), in float64.
struct BruteForceAttention {
  std::vector<double> correlation, attention, colors;
};

BruteForceAttention brute_force_attention(const Features& target, const Features& reference,
                                          const std::vector<float>& reference_rgb, double tau) {
  BruteForceAttention result;
  result.correlation = brute_force_correlation(target, reference);
  result.attention.resize(result.correlation.size());
  result.colors.assign(std::size_t(target.count) * 3, 0.0);
  const int nr = reference.count;
  for (int i = 0; i < target.count; ++i) {
    const double* m = &result.correlation[std::size_t(i) * nr];
    double* a = &result.attention[std::size_t(i) * nr];
    const double row_max = *std::max_element(m, m + nr);
    double sum = 0;
    for (int j = 0; j < nr; ++j) sum += a[j] = std::exp((m[j] - row_max) / tau);
    for (int j = 0; j < nr; ++j) {
      a[j] /= sum;
      for (int k = 0; k < 3; ++k)
        result.colors[std::size_t(i) * 3 + k] += a[j] * reference_rgb[j * 3 + k];
    }
  }
  return result;
}

std::vector<float> all_rows(const SuperFeatures& features, const AttentionParams& params,
                            const Context& ctx) {
  std::vector<float> rows(std::size_t(features.target_count) * features.reference_count);
  attention_rows(features, params, 0, features.target_count, rows.data(), ctx);
  return rows;
}

template <typename Fn>
void expect_invalid(Fn&& fn) {
  try {
    fn();
    ADD_FAILURE() << "expected supercolor::Error invalid_argument";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument) << error.what();
  }
}

double max_abs_diff(const std::vector<float>& actual, const std::vector<double>& expected) {
  EXPECT_EQ(actual.size(), expected.size());
  double worst = 0;
  for (std::size_t k = 0; k < std::min(actual.size(), expected.size()); ++k) {
    if (!std::isfinite(actual[k])) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, std::abs(actual[k] - expected[k]));
  }
  return worst;
}

class AttentionBruteForce : public ::testing::TestWithParam<bool> {};

TEST_P(AttentionBruteForce, MatchesEq1And2ForEveryBlockSizeAndThreadCount) {
  const bool relu_like = GetParam();
  const Features target = random_features(300, 64, relu_like, 1);
  const Features reference = random_features(257, 64, relu_like, 2);
  const std::vector<float> reference_rgb = random_colors(reference.count, 3);
  const SuperFeatures features = view(target, reference);
  const BruteForceAttention expected =
      brute_force_attention(target, reference, reference_rgb, 0.02);

  for (int block_rows : {1, 7, 64}) {
    SCOPED_TRACE("block_rows " + std::to_string(block_rows));
    AttentionParams params;
    params.block_rows = block_rows;
    const std::vector<float> rows = all_rows(features, params, Context{1, nullptr});
    const std::vector<float> colors =
        direct_colors(features, reference_rgb.data(), params, Context{1, nullptr});
    EXPECT_LE(max_abs_diff(rows, expected.attention), 1e-5);
    EXPECT_LE(max_abs_diff(colors, expected.colors), 1e-5);
    for (int i = 0; i < target.count; ++i) {
      double sum = 0;
      for (int j = 0; j < reference.count; ++j) sum += rows[std::size_t(i) * reference.count + j];
      EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << i;
    }
    // Chunks are the blocks, whatever the thread count: results are bit-identical.
    EXPECT_EQ(all_rows(features, params, Context{2, nullptr}), rows);
    EXPECT_EQ(direct_colors(features, reference_rgb.data(), params, Context{2, nullptr}), colors);
  }

  // A sub-range of rows equals the same rows of the whole matrix's definition.
  AttentionParams params;
  params.block_rows = 5;
  std::vector<float> middle(std::size_t(37) * reference.count);
  attention_rows(features, params, 100, 137, middle.data(), Context{2, nullptr});
  const std::vector<double> expected_middle(
      expected.attention.begin() + std::size_t(100) * reference.count,
      expected.attention.begin() + std::size_t(137) * reference.count);
  EXPECT_LE(max_abs_diff(middle, expected_middle), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Features, AttentionBruteForce, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("ReluLike") : std::string("Gaussian");
                         });

TEST(AttentionTemperature, SmallTauGivesOneHotRowsAtTheBestMatch) {
  const Features target = random_features(120, 32, true, 4);
  const Features reference = random_features(90, 32, true, 5);
  const std::vector<float> reference_rgb = random_colors(reference.count, 6);
  const SuperFeatures features = view(target, reference);
  const std::vector<double> correlation = brute_force_correlation(target, reference);
  AttentionParams params;
  params.tau = 1e-6f;
  const std::vector<float> rows = all_rows(features, params, Context{2, nullptr});
  const std::vector<float> colors =
      direct_colors(features, reference_rgb.data(), params, Context{2, nullptr});
  int checked = 0;
  for (int i = 0; i < target.count; ++i) {
    const double* m = &correlation[std::size_t(i) * reference.count];
    std::vector<double> sorted(m, m + reference.count);
    std::sort(sorted.rbegin(), sorted.rend());
    if (sorted[0] - sorted[1] < 1e-4) continue;  // a near tie is not one-hot at this tau
    ++checked;
    const int best = int(std::max_element(m, m + reference.count) - m);
    EXPECT_NEAR(rows[std::size_t(i) * reference.count + best], 1.0f, 1e-6) << "row " << i;
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(colors[std::size_t(i) * 3 + k], reference_rgb[best * 3 + k], 1e-6);
    }
  }
  EXPECT_GE(checked, target.count * 9 / 10);

  // A subnormal tau (1/tau overflows float) still gives finite rows that sum to 1.
  params.tau = 1e-40f;
  const std::vector<float> extreme = all_rows(features, params, Context{1, nullptr});
  for (int i = 0; i < target.count; ++i) {
    double sum = 0;
    for (int j = 0; j < reference.count; ++j) {
      const float a = extreme[std::size_t(i) * reference.count + j];
      ASSERT_TRUE(std::isfinite(a)) << "row " << i;
      sum += a;
    }
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << i;
  }
}

TEST(AttentionTemperature, LargeTauGivesUniformRowsAndTheMeanColour) {
  const Features target = random_features(50, 16, false, 7);
  const Features reference = random_features(80, 16, false, 8);
  const std::vector<float> reference_rgb = random_colors(reference.count, 9);
  double mean[3] = {0, 0, 0};
  for (int j = 0; j < reference.count; ++j) {
    for (int k = 0; k < 3; ++k) mean[k] += reference_rgb[j * 3 + k] / reference.count;
  }
  AttentionParams params;
  params.tau = 1e6f;
  const SuperFeatures features = view(target, reference);
  const std::vector<float> rows = all_rows(features, params, Context{1, nullptr});
  // exp(M / tau) = 1 +- 2e-6: uniform to about 1e-5 relative.
  for (float a : rows) EXPECT_NEAR(a, 1.0 / reference.count, 1e-7);
  const std::vector<float> colors =
      direct_colors(features, reference_rgb.data(), params, Context{1, nullptr});
  for (int i = 0; i < target.count; ++i) {
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(colors[std::size_t(i) * 3 + k], mean[k], 1e-6);
  }
}

TEST(AttentionZeroNorm, ConstantFeaturesGiveUniformRowsNotNaN) {
  const std::vector<float> reference_rgb = random_colors(40, 10);
  double mean[3] = {0, 0, 0};
  for (int j = 0; j < 40; ++j) {
    for (int k = 0; k < 3; ++k) mean[k] += reference_rgb[j * 3 + k] / 40;
  }
  const Features varied_target = random_features(30, 8, true, 11);
  const Features varied_reference = random_features(40, 8, true, 12);
  const Features constant_target{30, 8, std::vector<float>(30 * 8, 0.5f)};
  const Features constant_reference{40, 8, std::vector<float>(40 * 8, 0.25f)};
  const Features single_target{
      1, 8, std::vector<float>(varied_target.values.begin(), varied_target.values.begin() + 8)};
  const std::pair<const Features*, const Features*> cases[] = {
      {&constant_target, &varied_reference},
      {&varied_target, &constant_reference},
      {&single_target, &varied_reference}};
  for (const auto& [target, reference] : cases) {
    const SuperFeatures features = view(*target, *reference);
    const std::vector<float> rows = all_rows(features, AttentionParams{}, Context{});
    for (float a : rows) EXPECT_NEAR(a, 1.0 / 40, 1e-7);  // M = 0: every match equally likely
    const std::vector<float> colors =
        direct_colors(features, reference_rgb.data(), AttentionParams{}, Context{});
    for (int i = 0; i < target->count; ++i) {
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(colors[std::size_t(i) * 3 + k], mean[k], 1e-6);
    }
  }
}

TEST(AttentionZeroNorm, RowAtTheMeanIsUniform) {
  // Target rows a, b and (a+b)/2 with exactly representable values: the third row equals mu_T,
  // so its centred vector is zero and its correlations are 0.
  const Features target{3, 2, {2, 8, 4, 2, 3, 5}};
  const Features reference = random_features(40, 2, false, 13);
  const SuperFeatures features = view(target, reference);
  const std::vector<float> rows = all_rows(features, AttentionParams{}, Context{});
  for (int j = 0; j < reference.count; ++j) {
    EXPECT_FLOAT_EQ(rows[2 * std::size_t(reference.count) + j], 1.0f / reference.count);
  }
  const float first_row_max = *std::max_element(rows.begin(), rows.begin() + reference.count);
  EXPECT_GT(first_row_max, 2.0f / reference.count);
  for (float a : rows) EXPECT_TRUE(std::isfinite(a));
}

TEST(AttentionErrors, BadParametersAndInputsThrowInvalidArgument) {
  const Features target = random_features(10, 4, false, 14);
  const Features reference = random_features(12, 4, false, 15);
  const std::vector<float> reference_rgb = random_colors(reference.count, 16);
  const SuperFeatures good = view(target, reference);
  std::vector<float> out(std::size_t(target.count) * reference.count);
  // Bad parameters reach the blocks only in builds with kDebugChecks (the boundary validates).
  const auto run_both = [&](const SuperFeatures& features, const AttentionParams& params) {
    if (!kDebugChecks) return;
    expect_invalid([&] { direct_colors(features, reference_rgb.data(), params, Context{}); });
    expect_invalid(
        [&] { attention_rows(features, params, 0, features.target_count, out.data(), Context{}); });
  };

  for (float tau : {0.0f, -0.02f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity()}) {
    AttentionParams params;
    params.tau = tau;
    expect_invalid([&] { validate_attention_params(params); });
    run_both(good, params);
  }
  AttentionParams zero_block;
  zero_block.block_rows = 0;
  expect_invalid([&] { validate_attention_params(zero_block); });
  run_both(good, zero_block);
  validate_attention_params(AttentionParams{});

  SuperFeatures bad = good;
  bad.target = nullptr;
  run_both(bad, AttentionParams{});
  bad = good;
  bad.reference = nullptr;
  run_both(bad, AttentionParams{});
  bad = good;
  bad.channels = 0;
  run_both(bad, AttentionParams{});
  bad = good;
  bad.target_count = 0;
  run_both(bad, AttentionParams{});
  bad = good;
  bad.reference_count = -1;
  run_both(bad, AttentionParams{});

  Features nan_reference = reference;
  nan_reference.values[17] = std::numeric_limits<float>::quiet_NaN();
  run_both(view(target, nan_reference), AttentionParams{});
  Features inf_target = target;
  inf_target.values[3] = -std::numeric_limits<float>::infinity();
  run_both(view(inf_target, reference), AttentionParams{});

  expect_invalid([&] { direct_colors(good, nullptr, AttentionParams{}, Context{}); });
  std::vector<float> nan_rgb = reference_rgb;
  nan_rgb[5] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { direct_colors(good, nan_rgb.data(), AttentionParams{}, Context{}); });
  expect_invalid([&] { attention_rows(good, AttentionParams{}, 0, 1, nullptr, Context{}); });
  expect_invalid([&] { attention_rows(good, AttentionParams{}, -1, 2, out.data(), Context{}); });
  expect_invalid([&] { attention_rows(good, AttentionParams{}, 5, 4, out.data(), Context{}); });
  expect_invalid(
      [&] { attention_rows(good, AttentionParams{}, 0, target.count + 1, out.data(), Context{}); });
}

TEST(AttentionCancel, RaisedFlagThrowsCancelled) {
  const Features target = random_features(100, 8, false, 17);
  const Features reference = random_features(50, 8, false, 18);
  const std::vector<float> reference_rgb = random_colors(reference.count, 19);
  std::atomic<bool> cancel{true};
  try {
    direct_colors(view(target, reference), reference_rgb.data(), AttentionParams{},
                  Context{2, &cancel});
    ADD_FAILURE() << "expected kCancelled";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kCancelled);
  }
}

// Not a correctness check: prints the time of the hot loop at a realistic size.
TEST(AttentionTiming, DirectColors2000x2000x64) {
  const Features target = random_features(2000, 64, true, 20);
  const Features reference = random_features(2000, 64, true, 21);
  const std::vector<float> reference_rgb = random_colors(reference.count, 22);
  const SuperFeatures features = view(target, reference);
  std::vector<float> first;
  for (int threads : {1, 2}) {
    double best = std::numeric_limits<double>::infinity();
    std::vector<float> colors;
    for (int repeat = 0; repeat < 3; ++repeat) {
      const auto start = std::chrono::steady_clock::now();
      colors = direct_colors(features, reference_rgb.data(), AttentionParams{},
                             Context{threads, nullptr});
      best = std::min(
          best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
    }
    std::cout << "direct_colors N_T=N_R=2000 C=64, " << threads << " thread(s): " << best
              << " ms (best of 3)\n";
    RecordProperty("direct_colors_ms_threads_" + std::to_string(threads), int(best));
    if (first.empty()) first = colors;
    EXPECT_EQ(colors, first);
  }
}

}  // namespace
}  // namespace supercolor
