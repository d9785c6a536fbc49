// Colour lookup tables (method.md §1.10): a smooth 3D LUT fitted to (target, result)
// pixel pairs so that one transfer can be reused on other images and video frames, and the
// application of 1D / 3D LUTs (as read from .cube files, see cube.h) to images.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "image.h"
#include "parallel.h"

namespace supercolor {

// A LUT as in the Adobe Cube LUT Specification 1.0.
struct Lut {
  enum class Kind { k1d, k3d };
  Kind kind = Kind::k3d;
  // 3D: lattice points per axis, 2..256. 1D: entries, 2..65536.
  int size = 0;
  // 3D: size^3 output RGB triples, red index fastest (the .cube order): the output for lattice
  //     point (ri, gi, bi) is values[3 * (ri + size * (gi + size * bi)) + {0,1,2}], the lattice
  //     point standing for input domain_min + (ri, gi, bi) / (size - 1) * (domain_max -
  //     domain_min).
  // 1D: size output RGB triples; entry i is each channel's output for input
  //     domain_min + i / (size - 1) * (domain_max - domain_min) of that channel.
  std::vector<float> values;
  // Input range per channel (DOMAIN_MIN / DOMAIN_MAX); inputs outside it are clamped to it.
  std::array<float, 3> domain_min{0.0f, 0.0f, 0.0f};
  std::array<float, 3> domain_max{1.0f, 1.0f, 1.0f};
  std::string title;
};

enum class LutInterpolation {
  kTrilinear,    // the 8 corners of the lattice cell (what the fit models)
  kTetrahedral,  // 4 corners of one of the cell's 6 tetrahedra (Kasson et al. 1995; ffmpeg's
                 // default)
};

// Supported 3D sizes for fitting (.cube files may hold any size in 2..256).
constexpr int kLutSizes[] = {17, 33, 65};

// The identity 3D LUT of the given size (2..256) on [0,1]^3.
Lut identity_lut3d(int size);

// Throws Error(kInvalidLut) unless size is in range, values has the right length, every value
// and domain bound is finite, and domain_min < domain_max per channel.
void validate_lut(const Lut& lut);

// Applies a LUT to n interleaved RGB pixels (rgb_in and rgb_out may be the same buffer).
// Inputs are clamped to the LUT's domain; outputs are not clamped (a LUT may map outside [0,1]).
// For 1D LUTs `interpolation` is ignored (per-channel linear interpolation).
void apply_lut(const Lut& lut, const float* rgb_in, float* rgb_out, std::size_t n,
               LutInterpolation interpolation);
// The same over a whole image (validated), in parallel; bit-identical for any ctx.threads.
RgbImage apply_lut(const Lut& lut, const RgbImage& image, LutInterpolation interpolation,
                   const Context& ctx);

// ---- fitting ----

struct LutFitParams {
  int size = 33;  // 17, 33 or 65
  // Weight lambda of the smoothness prior (see fit_lut); the data term is normalised to a mean
  // over pixels, the prior to an integral over the unit cube, so lambda does not depend on the
  // image size or on `size`. Measured (bench_lut, size 33, two dev pairs): mean fit Delta E
  // 1.68 / 1.69 / 1.73 / 1.83 / 2.02 for lambda 1e-8 / 1e-7 / 1e-6 / 1e-5 / 1e-4. 1e-6 stays
  // within 3% of the least regularised fit while the prior still outweighs a bin of a few
  // pixels, so rare colours follow their neighbours instead of bending the LUT.
  double smoothness = 1e-6;
  // Conjugate-gradient stopping rule on each level of the coarse-to-fine chain: relative
  // residual, and an iteration cap (the coarsest level gets 100 times more). Measured
  // (bench_lut, 01_pitie_scotland): caps 25 / 100 / 400 give the same fit Delta E to 3
  // decimals (1.730 at size 33), for 0.4 / 1.0 / 1.4 CPU s at size 33 and 5.6 s (cap 25) at 65.
  double tolerance = 1e-6;
  int max_iterations = 25;
};

// Throws Error(kInvalidArgument) naming the bad field.
void validate_lut_fit_params(const LutFitParams& params);

// The data of a fit: (target colour, result colour) pairs, reduced to a 64^3 histogram of target
// colours (bin = floor(64 c) per channel) holding per bin the pixel count and the sums of the
// target and result colours. Fitting then costs the same for 0.1 or 24 megapixels, and using
// each bin's mean target colour (not its centre) keeps the positions exact. Several image pairs
// may be added (e.g. frames of a sequence: a pooled fit).
class LutFitSamples {
 public:
  static constexpr int kBins = 64;
  LutFitSamples();
  // target, result: same size; pixels whose target colour lies outside [0,1] are clamped into
  // it. coverage (alpha.h): null / empty = every pixel counts 1; else each pixel counts its
  // coverage in [0,1] (the bins' counts and sums are weighted; hidden pixels add nothing).
  // Throws Error(kInvalidArgument) for invalid or mismatched images or coverage.
  void add(const RgbImage& target, const RgbImage& result,
           const std::vector<float>* coverage = nullptr);
  // Occupied bins in bin order: mean target colour, mean result colour, pixel count.
  struct Bin {
    std::array<double, 3> target, result;
    double count;  // pixels (or summed coverage) in the bin
  };
  std::vector<Bin> bins() const;
  double pixel_count() const { return total_; }

 private:
  // Per bin: count, 3 target sums, 3 result sums (float64: exact sums of up to 2^53 / 255 px).
  std::vector<double> accum_;
  double total_ = 0;
};

// Fits a 3D LUT of params.size on [0,1]^3 by regularised least squares:
//   minimise  sum_b w_b | T(x_b) - y_b |^2  +  lambda * S(T)  +  eps * |T - identity|^2
// with x_b, y_b a bin's mean target and result colours, w_b its share of the pixels, T(x) the
// trilinear interpolation of the lattice, and S the discrete thin-plate energy
//   S = h^-1 * sum over the lattice of  (d2/dr2)^2 + (d2/dg2)^2 + (d2/db2)^2
//                                      + 2 (d2/drdg)^2 + 2 (d2/drdb)^2 + 2 (d2/dgdb)^2
// (second differences, h = 1/(size-1); S approximates the integral of the squared Hessian).
// Why thin-plate: its null space is exactly the affine maps, so colours the target does not
// contain get the smooth affine continuation of the nearby fitted colours rather than being
// pulled to a constant (first differences would flatten them) or left free; the identity is
// affine, so regularising T or T - identity gives the same LUT. eps = 1e-12 is only there so that
// a target with all colours on a plane or line (a grey image) still has one solution, the one
// closest to the identity in the directions the data cannot see. The three channels share one
// sparse SPD system, solved per channel by Eigen's ConjugateGradient with an incomplete-Cholesky
// preconditioner, cascadic: the same problem is first solved on the 5^3 lattice (from the
// identity), and each finer lattice (9, 17, 33, 65) starts from the coarser solution and runs
// at most max_iterations (a fourth-order prior makes smooth error components slow for CG; the
// coarse levels provide them). Deterministic, single-threaded. Lattice values are clamped to [0,1]
// afterwards (sRGB outputs; other software need not clamp). Throws Error(kInvalidArgument) for bad
// params or no samples.
Lut fit_lut(const LutFitSamples& samples, const LutFitParams& params);
// Convenience: samples of one image pair (weighted by coverage when given), then fit_lut.
Lut fit_lut(const RgbImage& target, const RgbImage& result, const LutFitParams& params,
            const std::vector<float>* coverage = nullptr);

// How well a LUT reproduces a spatially varying result: CIEDE2000 between
// apply_lut(lut, target) (clamped to [0,1]) and result, over every pixel.
struct LutFitError {
  double mean = 0;  // mean Delta E 2000
  double p95 = 0;   // 95th percentile (nearest rank) of Delta E 2000
};
LutFitError lut_fit_error(const Lut& lut, const RgbImage& target, const RgbImage& result,
                          LutInterpolation interpolation, const Context& ctx);

}  // namespace supercolor
