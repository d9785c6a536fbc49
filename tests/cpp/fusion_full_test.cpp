// Colour fusion at full size on every test pair (method.md §1.6): the fast path against a plain
// float64 evaluation of the definition, for fusionRadius 0.3 and infinity, adaptive and fixed
// sigma_g. Prints the largest error and the fast / brute-force time ratio of each pair.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/fusion.h"
#include "core/slic.h"
#include "core/superfeatures.h"
#include "test_support.h"

namespace supercolor {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kTolerance = 0.5 / 255.0;  // method.md §1.6
constexpr int kThreads = 2;

struct Config {
  double radius;
  double sigma_g;  // 0 = adaptive
  const char* name;
};
const Config kConfigs[] = {{0.3, 0.0, "r=0.3 adaptive"},
                           {0.3, 1.0, "r=0.3 sigma_g=1"},
                           {kInfinity, 0.0, "r=inf adaptive"},
                           {kInfinity, 1.0, "r=inf sigma_g=1"}};
constexpr int kConfigCount = sizeof kConfigs / sizeof kConfigs[0];

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// c(i): the superpixels' own mean colours, permuted (deterministic), so that fusion has to
// move colours around.
std::vector<float> permuted_mean_colors(const SuperpixelStats& stats) {
  std::vector<int> order(stats.count);
  for (int i = 0; i < stats.count; ++i) order[i] = i;
  std::mt19937 rng(1234);
  for (int i = stats.count - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  std::vector<float> colors(3 * std::size_t(stats.count));
  for (int i = 0; i < stats.count; ++i) {
    for (int c = 0; c < 3; ++c) colors[3 * i + c] = float(stats.mean_rgb[3 * order[i] + c]);
  }
  return colors;
}

// The definition in float64, for all configs at once (D_i(p) does not depend on them):
// explicit 5x5 Sigma_i^-1 (eq. 6), D_i(p) = (v - vbar)^T Sigma_i^-1 (v - vbar), d = exp(-D /
// sigma_g) (eq. 5), I_hat = sum d c / sum d over N(p) (eq. 3-4). Rows split over threads.
std::vector<std::vector<double>> brute_force_fusion(const RgbImage& image,
                                                    const Segmentation& segmentation,
                                                    const SuperpixelStats& stats,
                                                    const float* colors) {
  using Matrix5 = Eigen::Matrix<double, 5, 5>;
  using Vector5 = Eigen::Matrix<double, 5, 1>;
  const FusionParams defaults;
  const int count = stats.count;
  std::vector<Matrix5> sigma_inverse(count);
  std::vector<Vector5> mean(count);
  for (int i = 0; i < count; ++i) {
    const double s2 = defaults.delta_s * defaults.delta_s;
    const double c2 = defaults.delta_c * defaults.delta_c;
    const double* cp = &stats.cov_position[3 * i];
    const double* cc = &stats.cov_rgb[6 * i];
    Matrix5 sigma = Matrix5::Zero();
    sigma.block<2, 2>(0, 0) << s2 * cp[0], s2 * cp[1], s2 * cp[1], s2 * cp[2];
    sigma.block<3, 3>(2, 2) << c2 * cc[0], c2 * cc[1], c2 * cc[2],  //
        c2 * cc[1], c2 * cc[3], c2 * cc[4],                         //
        c2 * cc[2], c2 * cc[4], c2 * cc[5];
    sigma += defaults.epsilon * Matrix5::Identity();
    sigma_inverse[i] = sigma.inverse();
    mean[i] << stats.mean_position[2 * i], stats.mean_position[2 * i + 1], stats.mean_rgb[3 * i],
        stats.mean_rgb[3 * i + 1], stats.mean_rgb[3 * i + 2];
  }

  std::vector<std::vector<double>> results(kConfigCount, std::vector<double>(image.rgb.size()));
  const auto rows = [&](int y_begin, int y_end) {
    std::vector<double> distance(count);
    for (int y = y_begin; y < y_end; ++y) {
      for (int x = 0; x < image.width; ++x) {
        const std::size_t p = std::size_t(y) * image.width + x;
        const int own = segmentation.labels[p];
        Vector5 v;
        v << double(y) / image.height, double(x) / image.width, image.rgb[3 * p],
            image.rgb[3 * p + 1], image.rgb[3 * p + 2];
        for (int i = 0; i < count; ++i) {
          const Vector5 d = v - mean[i];
          distance[i] = d.dot(sigma_inverse[i] * d);
        }
        for (int config = 0; config < kConfigCount; ++config) {
          const Config& cfg = kConfigs[config];
          const auto in_neighbourhood = [&](int i) {
            const double dy = mean[i](0) - mean[own](0), dx = mean[i](1) - mean[own](1);
            return std::sqrt(dy * dy + dx * dx) <= cfg.radius;
          };
          double min_distance = kInfinity;
          for (int i = 0; i < count; ++i) {
            if (in_neighbourhood(i)) min_distance = std::min(min_distance, distance[i]);
          }
          double sum_w = 0.0, sum_c[3] = {0.0, 0.0, 0.0};
          for (int i = 0; i < count; ++i) {
            if (!in_neighbourhood(i)) continue;
            // Adaptive: literal exp(-D / sigma_g). Fixed: divided by exp(-D_min / sigma_g), the
            // same ratio, which a literal float64 exp would underflow to 0/0 for D_min >~ 700.
            const double w = cfg.sigma_g == 0.0
                                 ? std::exp(-distance[i] / (min_distance + 1e-5))
                                 : std::exp(-(distance[i] - min_distance) / cfg.sigma_g);
            sum_w += w;
            for (int c = 0; c < 3; ++c) sum_c[c] += w * colors[3 * i + c];
          }
          for (int c = 0; c < 3; ++c) results[config][3 * p + c] = sum_c[c] / sum_w;
        }
      }
    }
  };
  // Interleaved blocks of rows so that both threads get a similar share of the image.
  const int block = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int y = t * block; y < image.height; y += kThreads * block) {
        rows(y, std::min(y + block, image.height));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return results;
}

TEST(FusionFull, MatchesBruteForceOnEveryPair) {
  for (const std::string& dir : test::pair_dirs()) {
    const std::string name = dir.substr(dir.find_last_of('/') + 1);
    SCOPED_TRACE(name);
    const RgbImage target = test::load_pair_image(dir, "target");
    const Context ctx{kThreads};
    const Segmentation segmentation = slic(target, SlicParams{}, ctx);
    const SuperpixelStats stats = superpixel_stats(target, segmentation, ctx);
    const std::vector<float> colors = permuted_mean_colors(stats);

    std::printf("%s %dx%d, %d superpixels\n", name.c_str(), target.width, target.height,
                stats.count);
    std::vector<RgbImage> fast(kConfigCount);
    double fast_seconds_total = 0.0;
    for (int config = 0; config < kConfigCount; ++config) {
      FusionParams params;
      params.radius = kConfigs[config].radius;
      params.sigma_g = kConfigs[config].sigma_g;
      // Wall time, and process CPU time (all threads), which a busy machine disturbs less.
      auto start = std::chrono::steady_clock::now();
      std::clock_t cpu_start = std::clock();
      const RgbImage one_thread =
          fuse(target, segmentation, stats, colors.data(), params, Context{1});
      const double one_thread_seconds = seconds_since(start);
      const double one_thread_cpu = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      start = std::chrono::steady_clock::now();
      cpu_start = std::clock();
      fast[config] = fuse(target, segmentation, stats, colors.data(), params, ctx);
      const double two_thread_seconds = seconds_since(start);
      const double two_thread_cpu = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      fast_seconds_total += two_thread_seconds;
      EXPECT_EQ(0, std::memcmp(one_thread.rgb.data(), fast[config].rgb.data(),
                               one_thread.rgb.size() * sizeof(float)))
          << kConfigs[config].name << ": 1 and 2 threads differ";
      std::printf("  %-16s fast: 1 thread %.3f s (cpu %.3f s), 2 threads %.3f s (cpu %.3f s)\n",
                  kConfigs[config].name, one_thread_seconds, one_thread_cpu, two_thread_seconds,
                  two_thread_cpu);
    }

    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::vector<double>> exact =
        brute_force_fusion(target, segmentation, stats, colors.data());
    const double brute_seconds = seconds_since(start);

    for (int config = 0; config < kConfigCount; ++config) {
      double max_error = 0.0, sum_error = 0.0;
      for (std::size_t k = 0; k < exact[config].size(); ++k) {
        const double error = std::abs(double(fast[config].rgb[k]) - exact[config][k]);
        max_error = std::max(max_error, error);
        sum_error += error;
      }
      std::printf("  %-16s max error %.3g (%.4f/255), mean %.3g\n", kConfigs[config].name,
                  max_error, max_error * 255.0, sum_error / exact[config].size());
      EXPECT_LE(max_error, kTolerance) << kConfigs[config].name;
    }
    std::printf("  brute force (float64, all 4 configs, %d threads) %.1f s; fast / brute %.4f\n",
                kThreads, brute_seconds, fast_seconds_total / brute_seconds);
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace supercolor
