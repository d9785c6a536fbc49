// 3D / 1D LUT application and the regularised least-squares 3D LUT fit (see lut.h).

#include "lut.h"

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <string>

#include "colorspace.h"
#include "error.h"

namespace supercolor {
namespace {

// Lattice coordinate of an input value: position in [0, size-1], cell index in [0, size-2] and
// fraction in [0,1] (the upper edge is the last cell at fraction 1, so no read past the end).
struct Axis {
  int index;
  float fraction;
};

inline Axis lattice_axis(float value, float lo, float hi, int size) {
  float t = (value - lo) / (hi - lo) * static_cast<float>(size - 1);
  t = std::min(static_cast<float>(size - 1), std::max(0.0f, t));  // also maps NaN to 0
  const int index = std::min(static_cast<int>(t), size - 2);
  return {index, t - static_cast<float>(index)};
}

void apply_lut3d(const Lut& lut, const float* in, float* out, std::size_t n,
                 LutInterpolation interpolation) {
  const int size = lut.size;
  const float* v = lut.values.data();
  // Offsets of the +1 neighbours along r, g, b in the value array.
  const std::size_t step_r = 3, step_g = 3 * std::size_t(size), step_b = step_g * size;
  for (std::size_t p = 0; p < n; ++p) {
    const Axis r = lattice_axis(in[3 * p], lut.domain_min[0], lut.domain_max[0], size);
    const Axis g = lattice_axis(in[3 * p + 1], lut.domain_min[1], lut.domain_max[1], size);
    const Axis b = lattice_axis(in[3 * p + 2], lut.domain_min[2], lut.domain_max[2], size);
    const float* c000 =
        v + 3 * (r.index + std::size_t(size) * (g.index + std::size_t(size) * b.index));
    const float fr = r.fraction, fg = g.fraction, fb = b.fraction;
    float result[3];
    if (interpolation == LutInterpolation::kTrilinear) {
      for (int c = 0; c < 3; ++c) {
        const float* q = c000 + c;
        const float c00 = q[0] + (q[step_r] - q[0]) * fr;
        const float c10 = q[step_g] + (q[step_g + step_r] - q[step_g]) * fr;
        const float c01 = q[step_b] + (q[step_b + step_r] - q[step_b]) * fr;
        const float c11 =
            q[step_b + step_g] + (q[step_b + step_g + step_r] - q[step_b + step_g]) * fr;
        const float c0 = c00 + (c10 - c00) * fg;
        const float c1 = c01 + (c11 - c01) * fg;
        result[c] = c0 + (c1 - c0) * fb;
      }
    } else {
      // Tetrahedral: the cell is cut along its main diagonal into 6 tetrahedra, chosen by the
      // order of the fractions; the output is the barycentric mix of that tetrahedron's 4
      // corners (Kasson, Nin, Plouffe, Hafner 1995; the same split and tie-breaking as ffmpeg's
      // vf_lut3d). Exact on affine maps, like trilinear.
      std::size_t o1, o2;  // offsets of the two middle corners (c000 and c111 are always used)
      float w0, w1, w2, w3;
      if (fr > fg) {
        if (fg > fb) {  // r > g > b
          o1 = step_r, o2 = step_r + step_g;
          w0 = 1 - fr, w1 = fr - fg, w2 = fg - fb, w3 = fb;
        } else if (fr > fb) {  // r > b >= g
          o1 = step_r, o2 = step_r + step_b;
          w0 = 1 - fr, w1 = fr - fb, w2 = fb - fg, w3 = fg;
        } else {  // b >= r > g
          o1 = step_b, o2 = step_r + step_b;
          w0 = 1 - fb, w1 = fb - fr, w2 = fr - fg, w3 = fg;
        }
      } else {
        if (fb > fg) {  // b > g >= r
          o1 = step_b, o2 = step_g + step_b;
          w0 = 1 - fb, w1 = fb - fg, w2 = fg - fr, w3 = fr;
        } else if (fb > fr) {  // g >= b > r
          o1 = step_g, o2 = step_g + step_b;
          w0 = 1 - fg, w1 = fg - fb, w2 = fb - fr, w3 = fr;
        } else {  // g >= r >= b
          o1 = step_g, o2 = step_g + step_r;
          w0 = 1 - fg, w1 = fg - fr, w2 = fr - fb, w3 = fb;
        }
      }
      const std::size_t o3 = step_r + step_g + step_b;
      for (int c = 0; c < 3; ++c) {
        const float* q = c000 + c;
        result[c] = w0 * q[0] + w1 * q[o1] + w2 * q[o2] + w3 * q[o3];
      }
    }
    out[3 * p] = result[0];
    out[3 * p + 1] = result[1];
    out[3 * p + 2] = result[2];
  }
}

void apply_lut1d(const Lut& lut, const float* in, float* out, std::size_t n) {
  const float* v = lut.values.data();
  for (std::size_t p = 0; p < n; ++p) {
    for (int c = 0; c < 3; ++c) {
      const Axis a = lattice_axis(in[3 * p + c], lut.domain_min[c], lut.domain_max[c], lut.size);
      const float lo = v[3 * a.index + c], hi = v[3 * (a.index + 1) + c];
      out[3 * p + c] = lo + (hi - lo) * a.fraction;
    }
  }
}

}  // namespace

Lut identity_lut3d(int size) {
  if (size < 2 || size > 256) {
    throw Error(ErrorCode::kInvalidArgument,
                "3D LUT size must be in 2..256, got " + std::to_string(size));
  }
  Lut lut;
  lut.kind = Lut::Kind::k3d;
  lut.size = size;
  lut.values.resize(3 * std::size_t(size) * size * size);
  const float scale = 1.0f / static_cast<float>(size - 1);
  std::size_t k = 0;
  for (int b = 0; b < size; ++b) {
    for (int g = 0; g < size; ++g) {
      for (int r = 0; r < size; ++r) {
        lut.values[k++] = r * scale;
        lut.values[k++] = g * scale;
        lut.values[k++] = b * scale;
      }
    }
  }
  return lut;
}

void validate_lut(const Lut& lut) {
  const bool is3d = lut.kind == Lut::Kind::k3d;
  const int max_size = is3d ? 256 : 65536;
  if (lut.size < 2 || lut.size > max_size) {
    throw Error(ErrorCode::kInvalidLut, std::string(is3d ? "3D" : "1D") +
                                            " LUT size must be in 2.." + std::to_string(max_size) +
                                            ", got " + std::to_string(lut.size));
  }
  const std::size_t entries =
      is3d ? std::size_t(lut.size) * lut.size * lut.size : std::size_t(lut.size);
  if (lut.values.size() != 3 * entries) {
    throw Error(ErrorCode::kInvalidLut, "LUT holds " + std::to_string(lut.values.size()) +
                                            " values, expected 3*" + std::to_string(entries));
  }
  for (float value : lut.values) {
    if (!std::isfinite(value)) throw Error(ErrorCode::kInvalidLut, "LUT holds a non-finite value");
  }
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(lut.domain_min[c]) || !std::isfinite(lut.domain_max[c]) ||
        !(lut.domain_min[c] < lut.domain_max[c])) {
      throw Error(ErrorCode::kInvalidLut, "LUT domain must have min < max in every channel");
    }
  }
}

void apply_lut(const Lut& lut, const float* rgb_in, float* rgb_out, std::size_t n,
               LutInterpolation interpolation) {
  if (lut.kind == Lut::Kind::k3d) {
    apply_lut3d(lut, rgb_in, rgb_out, n, interpolation);
  } else {
    apply_lut1d(lut, rgb_in, rgb_out, n);
  }
}

RgbImage apply_lut(const Lut& lut, const RgbImage& image, LutInterpolation interpolation,
                   const Context& ctx) {
  validate_lut(lut);
  validate_image(image, "image");
  RgbImage out{image.width, image.height, std::vector<float>(image.rgb.size())};
  parallel_for(ctx, 0, image.pixel_count(), 16384, [&](std::size_t begin, std::size_t end) {
    apply_lut(lut, &image.rgb[3 * begin], &out.rgb[3 * begin], end - begin, interpolation);
  });
  return out;
}

// ---- fitting ----

void validate_lut_fit_params(const LutFitParams& params) {
  if (params.size != 17 && params.size != 33 && params.size != 65) {
    throw Error(ErrorCode::kInvalidArgument,
                "lutSize must be 17, 33 or 65, got " + std::to_string(params.size));
  }
  if (!std::isfinite(params.smoothness) || params.smoothness <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "LUT smoothness must be a finite number > 0");
  }
  if (!std::isfinite(params.tolerance) || params.tolerance <= 0 || params.tolerance >= 1) {
    throw Error(ErrorCode::kInvalidArgument, "LUT fit tolerance must be in (0, 1)");
  }
  if (params.max_iterations < 1) {
    throw Error(ErrorCode::kInvalidArgument, "LUT fit max_iterations must be >= 1");
  }
}

LutFitSamples::LutFitSamples() : accum_(7 * std::size_t(kBins) * kBins * kBins, 0.0) {}

void LutFitSamples::add(const RgbImage& target, const RgbImage& result,
                        const std::vector<float>* coverage) {
  validate_image(target, "target");
  validate_image(result, "result");
  if (target.width != result.width || target.height != result.height) {
    throw Error(ErrorCode::kInvalidArgument, "result size differs from the target's");
  }
  const bool weighted = coverage != nullptr && !coverage->empty();
  if (weighted && coverage->size() != target.pixel_count()) {
    throw Error(ErrorCode::kInvalidArgument, "LUT fit coverage size differs from the target's");
  }
  // Sequential on purpose: float64 sums in pixel order are deterministic, and binning is a
  // small part of the fit (about 10 ns a pixel).
  double total = 0.0;
  for (std::size_t p = 0, n = target.pixel_count(); p < n; ++p) {
    float t[3];
    int bin[3];
    for (int c = 0; c < 3; ++c) {
      t[c] = std::min(1.0f, std::max(0.0f, target.rgb[3 * p + c]));
      bin[c] = std::min(kBins - 1, static_cast<int>(t[c] * kBins));
    }
    double* a = &accum_[7 * (bin[0] + std::size_t(kBins) * (bin[1] + std::size_t(kBins) * bin[2]))];
    if (weighted) {
      // Transparency: a pixel counts by its coverage; a hidden one not at all.
      const double w = (*coverage)[p];
      if (!(w > 0.0)) continue;
      a[0] += w;
      for (int c = 0; c < 3; ++c) {
        a[1 + c] += w * t[c];
        a[4 + c] += w * result.rgb[3 * p + c];
      }
      total += w;
      continue;
    }
    a[0] += 1.0;
    for (int c = 0; c < 3; ++c) {
      a[1 + c] += t[c];
      a[4 + c] += result.rgb[3 * p + c];
    }
  }
  total_ += weighted ? total : static_cast<double>(target.pixel_count());
}

std::vector<LutFitSamples::Bin> LutFitSamples::bins() const {
  std::vector<Bin> out;
  for (std::size_t k = 0; k < accum_.size(); k += 7) {
    const double count = accum_[k];
    if (count == 0) continue;
    Bin bin;
    for (int c = 0; c < 3; ++c) {
      bin.target[c] = accum_[k + 1 + c] / count;
      bin.result[c] = accum_[k + 4 + c] / count;
    }
    bin.count = count;
    out.push_back(bin);
  }
  return out;
}

namespace {

using SparseMatrix = Eigen::SparseMatrix<double>;
using Triplet = Eigen::Triplet<double>;

// Smallest lattice of the coarse-to-fine chain 65 -> 33 -> 17 -> 9 -> 5.
constexpr int kCoarsestSize = 5;

// Lattice values of `coarse` (size m) evaluated at the lattice points of size `size`: the
// coarse fit as the starting point of the fine one.
Eigen::MatrixXd upsample(const Lut& coarse, int size) {
  const Lut identity = identity_lut3d(size);
  const std::size_t count = std::size_t(size) * size * size;
  std::vector<float> values(3 * count);
  apply_lut(coarse, identity.values.data(), values.data(), count, LutInterpolation::kTrilinear);
  Eigen::MatrixXd out(count, 3);
  for (std::size_t k = 0; k < count; ++k) {
    for (int c = 0; c < 3; ++c) out(k, c) = values[3 * k + c];
  }
  return out;
}

Lut fit_lut_at(const std::vector<LutFitSamples::Bin>& bins, double total, int size,
               const LutFitParams& params) {
  const int n = size;
  const Eigen::Index unknowns = Eigen::Index(n) * n * n;
  const auto node = [n](int r, int g, int b) {
    return Eigen::Index(r) + n * (Eigen::Index(g) + Eigen::Index(n) * b);
  };

  // Data term: one row per bin, the 8 trilinear weights of its mean target colour.
  std::vector<Triplet> triplets;
  triplets.reserve(8 * bins.size());
  Eigen::MatrixXd targets(bins.size(), 3);
  Eigen::VectorXd weights(bins.size());
  for (std::size_t row = 0; row < bins.size(); ++row) {
    const LutFitSamples::Bin& bin = bins[row];
    Axis axis[3];
    for (int c = 0; c < 3; ++c) {
      axis[c] = lattice_axis(static_cast<float>(bin.target[c]), 0.0f, 1.0f, n);
      targets(row, c) = bin.result[c];
    }
    // Recompute the fractions in float64 from the float64 position: only the cell comes from
    // the float helper.
    double f[3];
    for (int c = 0; c < 3; ++c) {
      f[c] = std::min(1.0, std::max(0.0, bin.target[c] * (n - 1) - axis[c].index));
    }
    for (int corner = 0; corner < 8; ++corner) {
      const int dr = corner & 1, dg = (corner >> 1) & 1, db = (corner >> 2) & 1;
      const double w = (dr ? f[0] : 1 - f[0]) * (dg ? f[1] : 1 - f[1]) * (db ? f[2] : 1 - f[2]);
      triplets.emplace_back(Eigen::Index(row),
                            node(axis[0].index + dr, axis[1].index + dg, axis[2].index + db), w);
    }
    weights(row) = bin.count / total;
  }
  SparseMatrix phi(Eigen::Index(bins.size()), unknowns);
  phi.setFromTriplets(triplets.begin(), triplets.end());

  // Thin-plate prior: pure second differences along each axis, and mixed differences (weight
  // sqrt(2) so that they count twice once squared, as in |Hessian|_F^2).
  triplets.clear();
  Eigen::Index rows = 0;
  const int step[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (int axis = 0; axis < 3; ++axis) {
    const int* s = step[axis];
    for (int b = s[2]; b < n - s[2]; ++b) {
      for (int g = s[1]; g < n - s[1]; ++g) {
        for (int r = s[0]; r < n - s[0]; ++r) {
          triplets.emplace_back(rows, node(r - s[0], g - s[1], b - s[2]), 1.0);
          triplets.emplace_back(rows, node(r, g, b), -2.0);
          triplets.emplace_back(rows, node(r + s[0], g + s[1], b + s[2]), 1.0);
          ++rows;
        }
      }
    }
  }
  const double mixed = std::sqrt(2.0);
  for (int a1 = 0; a1 < 3; ++a1) {
    for (int a2 = a1 + 1; a2 < 3; ++a2) {
      int s[3] = {0, 0, 0};
      s[a1] = 1;
      s[a2] = 1;
      for (int b = 0; b < n - (a1 == 2 || a2 == 2); ++b) {
        for (int g = 0; g < n - (a1 == 1 || a2 == 1); ++g) {
          for (int r = 0; r < n - (a1 == 0); ++r) {
            const int p1[3] = {r + (a1 == 0), g + (a1 == 1), b + (a1 == 2)};
            const int p2[3] = {r + (a2 == 0), g + (a2 == 1), b + (a2 == 2)};
            triplets.emplace_back(rows, node(r, g, b), mixed);
            triplets.emplace_back(rows, node(p1[0], p1[1], p1[2]), -mixed);
            triplets.emplace_back(rows, node(p2[0], p2[1], p2[2]), -mixed);
            triplets.emplace_back(rows, node(r + s[0], g + s[1], b + s[2]), mixed);
            ++rows;
          }
        }
      }
    }
  }
  SparseMatrix prior(rows, unknowns);
  prior.setFromTriplets(triplets.begin(), triplets.end());
  triplets.clear();
  triplets.shrink_to_fit();

  // Normal equations: (Phi^T W Phi + lambda/h R^T R + eps I) T = Phi^T W Y + eps * identity.
  constexpr double kIdentityRidge = 1e-12;
  const double prior_weight = params.smoothness * (n - 1);
  const SparseMatrix phi_t = phi.transpose();
  const SparseMatrix weighted_phi_t = phi_t * weights.asDiagonal();
  const SparseMatrix prior_t = prior.transpose();
  const SparseMatrix data_part = weighted_phi_t * phi;
  const SparseMatrix prior_part = prior_t * prior;
  SparseMatrix ridge(unknowns, unknowns);
  ridge.setIdentity();
  SparseMatrix system = data_part + prior_weight * prior_part + kIdentityRidge * ridge;
  system.makeCompressed();

  const Lut identity = identity_lut3d(n);
  Eigen::MatrixXd rhs = weighted_phi_t * targets;
  for (Eigen::Index k = 0; k < unknowns; ++k) {
    for (int c = 0; c < 3; ++c) rhs(k, c) += kIdentityRidge * identity.values[3 * k + c];
  }

  Eigen::MatrixXd guess;
  if (n > kCoarsestSize) {
    guess = upsample(fit_lut_at(bins, total, (n + 1) / 2, params), n);
  } else {
    guess.resize(unknowns, 3);
    for (Eigen::Index k = 0; k < unknowns; ++k) {
      for (int c = 0; c < 3; ++c) guess(k, c) = identity.values[3 * k + c];
    }
  }

  Eigen::ConjugateGradient<SparseMatrix, Eigen::Lower | Eigen::Upper,
                           Eigen::IncompleteCholesky<double>>
      solver;
  solver.setTolerance(params.tolerance);
  // The coarsest level (125 unknowns) is solved to the tolerance; finer ones start from it and
  // only need to resolve detail, so they run at most max_iterations.
  solver.setMaxIterations(n <= kCoarsestSize ? 100 * params.max_iterations : params.max_iterations);
  solver.compute(system);
  Lut lut = identity;
  for (int c = 0; c < 3; ++c) {
    const Eigen::VectorXd solution = solver.solveWithGuess(rhs.col(c), guess.col(c));
    for (Eigen::Index k = 0; k < unknowns; ++k) {
      lut.values[3 * k + c] = static_cast<float>(std::min(1.0, std::max(0.0, solution(k))));
    }
  }
  return lut;
}

}  // namespace

Lut fit_lut(const LutFitSamples& samples, const LutFitParams& params) {
  validate_lut_fit_params(params);
  if (samples.pixel_count() <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "LUT fit: no pixels to fit");
  }
  Lut lut = fit_lut_at(samples.bins(), samples.pixel_count(), params.size, params);
  lut.title = "supercolor";
  return lut;
}

Lut fit_lut(const RgbImage& target, const RgbImage& result, const LutFitParams& params,
            const std::vector<float>* coverage) {
  validate_lut_fit_params(params);
  LutFitSamples samples;
  samples.add(target, result, coverage);
  return fit_lut(samples, params);
}

LutFitError lut_fit_error(const Lut& lut, const RgbImage& target, const RgbImage& result,
                          LutInterpolation interpolation, const Context& ctx) {
  validate_lut(lut);
  validate_image(target, "target");
  validate_image(result, "result");
  if (target.width != result.width || target.height != result.height) {
    throw Error(ErrorCode::kInvalidArgument, "result size differs from the target's");
  }
  const std::size_t n = target.pixel_count();
  std::vector<float> delta(n);
  constexpr std::size_t kGrain = 16384;
  std::vector<double> chunk_sums(chunk_count(0, n, kGrain), 0.0);
  parallel_for_chunks(
      ctx, 0, n, kGrain, [&](std::size_t chunk, std::size_t begin, std::size_t end) {
        std::vector<float> mapped(3 * (end - begin));
        apply_lut(lut, &target.rgb[3 * begin], mapped.data(), end - begin, interpolation);
        for (float& v : mapped) v = std::min(1.0f, std::max(0.0f, v));
        delta_e2000_srgb(mapped.data(), &result.rgb[3 * begin], &delta[begin], end - begin);
        double sum = 0;
        for (std::size_t i = begin; i < end; ++i) sum += delta[i];
        chunk_sums[chunk] = sum;
      });
  LutFitError error;
  for (double s : chunk_sums) error.mean += s;  // chunk order: thread-count independent
  error.mean /= static_cast<double>(n);
  // Nearest rank: the ceil(0.95 n)-th smallest value.
  const std::size_t rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(n)));
  const auto nth = delta.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(delta.begin(), nth, delta.end());
  error.p95 = *nth;
  return error;
}

}  // namespace supercolor
