#include "fusion_reference.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace supercolor::reference {

std::vector<double> fuse_brute_force(const RgbImage& target, const Segmentation& segmentation,
                                     const SuperpixelStats& stats, const float* colors,
                                     const FusionParams& params, int threads, int row_step) {
  using Matrix5 = Eigen::Matrix<double, 5, 5>;
  using Vector5 = Eigen::Matrix<double, 5, 1>;
  const int n = stats.count;
  // Sigma_i^-1 (eq. 6 plus the epsilon ridge) and vbar(i), straight from the definition.
  std::vector<Matrix5> sigma_inverse(n);
  std::vector<Vector5> mean(n);
  for (int i = 0; i < n; ++i) {
    Matrix5 sigma = Matrix5::Zero();
    const double* cp = &stats.cov_position[3 * i];
    const double* cc = &stats.cov_rgb[6 * i];
    const double ds2 = params.delta_s * params.delta_s, dc2 = params.delta_c * params.delta_c;
    sigma(0, 0) = ds2 * cp[0];
    sigma(0, 1) = sigma(1, 0) = ds2 * cp[1];
    sigma(1, 1) = ds2 * cp[2];
    sigma(2, 2) = dc2 * cc[0];
    sigma(2, 3) = sigma(3, 2) = dc2 * cc[1];
    sigma(2, 4) = sigma(4, 2) = dc2 * cc[2];
    sigma(3, 3) = dc2 * cc[3];
    sigma(3, 4) = sigma(4, 3) = dc2 * cc[4];
    sigma(4, 4) = dc2 * cc[5];
    sigma += params.epsilon * Matrix5::Identity();
    sigma_inverse[i] = sigma.inverse();
    mean[i] << stats.mean_position[2 * i], stats.mean_position[2 * i + 1], stats.mean_rgb[3 * i],
        stats.mean_rgb[3 * i + 1], stats.mean_rgb[3 * i + 2];
  }
  // N(p): superpixels whose centroid lies within the radius of the centroid of p's own.
  std::vector<std::vector<int>> neighbours(n);
  for (int k = 0; k < n; ++k) {
    for (int i = 0; i < n; ++i) {
      const double dy = mean[i](0) - mean[k](0), dx = mean[i](1) - mean[k](1);
      if (std::isinf(params.radius) || std::sqrt(dy * dy + dx * dx) <= params.radius) {
        neighbours[k].push_back(i);
      }
    }
  }
  row_step = std::max(1, row_step);
  std::vector<double> out(target.rgb.size(), std::numeric_limits<double>::quiet_NaN());
  const auto rows = [&](int first_row, int thread_step) {
    std::vector<double> distance;
    for (int y = first_row * row_step; y < target.height; y += thread_step * row_step) {
      for (int x = 0; x < target.width; ++x) {
        const std::size_t p = std::size_t(y) * target.width + x;
        Vector5 v;
        v << double(y) / target.height, double(x) / target.width, target.rgb[3 * p],
            target.rgb[3 * p + 1], target.rgb[3 * p + 2];
        const std::vector<int>& around = neighbours[segmentation.labels[p]];
        distance.resize(around.size());
        double d_min = std::numeric_limits<double>::infinity();
        for (std::size_t a = 0; a < around.size(); ++a) {
          const Vector5 diff = v - mean[around[a]];
          distance[a] = diff.dot(sigma_inverse[around[a]] * diff);  // D_i(p), eq. 5
          d_min = std::min(d_min, distance[a]);
        }
        double sum[3] = {0, 0, 0}, weight_sum = 0;
        for (std::size_t a = 0; a < around.size(); ++a) {
          const double weight = params.sigma_g > 0
                                    ? std::exp(-(distance[a] - d_min) / params.sigma_g)
                                    : std::exp(-distance[a] / (d_min + 1e-5));
          for (int c = 0; c < 3; ++c) sum[c] += weight * colors[3 * around[a] + c];
          weight_sum += weight;
        }
        for (int c = 0; c < 3; ++c) out[3 * p + c] = sum[c] / weight_sum;
      }
    }
  };
  threads = std::max(1, threads);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(rows, t, threads);
  rows(0, threads);
  for (auto& thread : pool) thread.join();
  return out;
}

}  // namespace supercolor::reference
