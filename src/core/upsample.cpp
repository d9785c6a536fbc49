#include "upsample.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"

namespace supercolor {
namespace {

// Weight of a hidden pixel in the weighted fit (see fit_local_affine).
constexpr float kHiddenWeight = 1e-6f;

// Planar float images of one size.
struct Planes {
  int width = 0;
  int height = 0;
  int count = 0;
  std::vector<float> data;  // count planes of width*height

  float* plane(int k) { return &data[static_cast<std::size_t>(k) * width * height]; }
  const float* plane(int k) const { return &data[static_cast<std::size_t>(k) * width * height]; }
};

// Mean over the (2r+1)^2 window clipped to the image (the guided filter's box filter, normalised
// by the number of pixels actually in the window), separable, accumulated in double.
Planes box_mean(const Planes& in, int radius, const Context& ctx) {
  Planes out{in.width, in.height, in.count, std::vector<float>(in.data.size())};
  const int w = in.width, h = in.height;
  parallel_for(ctx, 0, static_cast<std::size_t>(in.count), 1, [&](std::size_t k0, std::size_t k1) {
    std::vector<double> rows(static_cast<std::size_t>(w) * h);
    for (std::size_t k = k0; k < k1; ++k) {
      const float* src = in.plane(static_cast<int>(k));
      // Horizontal running sums.
      for (int y = 0; y < h; ++y) {
        const float* row = src + static_cast<std::size_t>(y) * w;
        double* dst = &rows[static_cast<std::size_t>(y) * w];
        double sum = 0;
        for (int x = 0; x <= std::min(radius, w - 1); ++x) sum += row[x];
        for (int x = 0; x < w; ++x) {
          const int lo = std::max(0, x - radius), hi = std::min(w - 1, x + radius);
          dst[x] = sum / (hi - lo + 1);
          if (x + radius + 1 < w) sum += row[x + radius + 1];
          if (x - radius >= 0) sum -= row[x - radius];
        }
      }
      // Vertical running sums, column by column over whole rows.
      float* dst = out.plane(static_cast<int>(k));
      std::vector<double> sum(w, 0.0);
      for (int y = 0; y <= std::min(radius, h - 1); ++y) {
        for (int x = 0; x < w; ++x) sum[x] += rows[static_cast<std::size_t>(y) * w + x];
      }
      for (int y = 0; y < h; ++y) {
        const int lo = std::max(0, y - radius), hi = std::min(h - 1, y + radius);
        const double n = hi - lo + 1;
        for (int x = 0; x < w; ++x)
          dst[static_cast<std::size_t>(y) * w + x] = static_cast<float>(sum[x] / n);
        if (y + radius + 1 < h) {
          for (int x = 0; x < w; ++x)
            sum[x] += rows[static_cast<std::size_t>(y + radius + 1) * w + x];
        }
        if (y - radius >= 0) {
          for (int x = 0; x < w; ++x) sum[x] -= rows[static_cast<std::size_t>(y - radius) * w + x];
        }
      }
    }
  });
  return out;
}

// Bilinear source position of destination index d (pixel centres aligned), clamped.
struct Tap {
  int i0, i1;
  float f;
};
std::vector<Tap> bilinear_taps(int source, int destination) {
  std::vector<Tap> taps(destination);
  const double scale = static_cast<double>(source) / destination;
  for (int d = 0; d < destination; ++d) {
    double s = (d + 0.5) * scale - 0.5;
    s = std::min(std::max(s, 0.0), static_cast<double>(source - 1));
    const int i0 = static_cast<int>(std::floor(s));
    taps[d] = {i0, std::min(i0 + 1, source - 1), static_cast<float>(s - i0)};
  }
  return taps;
}

template <typename ReadPixel>
Rgba8Image apply(const LocalAffineModel& model, int width, int height, const Context& ctx,
                 const ReadPixel& read_pixel) {
  if (model.width < 1 || model.height < 1 ||
      model.coefficients.size() != 12 * static_cast<std::size_t>(model.width) * model.height) {
    throw Error(ErrorCode::kInvalidArgument, "local affine model is empty or inconsistent");
  }
  Rgba8Image out;
  out.width = width;
  out.height = height;
  out.rgba.resize(4 * out.pixel_count());
  const std::vector<Tap> row_taps = bilinear_taps(model.height, height);
  const std::vector<Tap> column_taps = bilinear_taps(model.width, width);
  const int mw = model.width;
  parallel_for(
      ctx, 0, height, 16,
      [&](std::size_t y_begin, std::size_t y_end) {
        std::vector<float> row(12 * static_cast<std::size_t>(mw));  // vertically interpolated
        for (std::size_t y = y_begin; y < y_end; ++y) {
          const Tap ty = row_taps[y];
          const float* c0 = &model.coefficients[12 * static_cast<std::size_t>(ty.i0) * mw];
          const float* c1 = &model.coefficients[12 * static_cast<std::size_t>(ty.i1) * mw];
          for (int i = 0; i < 12 * mw; ++i) row[i] = c0[i] + ty.f * (c1[i] - c0[i]);
          uint8_t* dst = &out.rgba[4 * y * static_cast<std::size_t>(width)];
          for (int x = 0; x < width; ++x) {
            const Tap tx = column_taps[x];
            const float* a = &row[12 * static_cast<std::size_t>(tx.i0)];
            const float* b = &row[12 * static_cast<std::size_t>(tx.i1)];
            float coefficient[12];
            for (int i = 0; i < 12; ++i) coefficient[i] = a[i] + tx.f * (b[i] - a[i]);
            float in[3];
            uint8_t alpha;
            read_pixel(y, x, in, &alpha);
            for (int c = 0; c < 3; ++c) {
              const float v = coefficient[3 * c] * in[0] + coefficient[3 * c + 1] * in[1] +
                              coefficient[3 * c + 2] * in[2] + coefficient[9 + c];
              dst[4 * x + c] =
                  static_cast<uint8_t>(std::lround(std::min(1.0f, std::max(0.0f, v)) * 255.0f));
            }
            dst[4 * x + 3] = alpha;
          }
        }
      },
      Progress::kReport);
  return out;
}

}  // namespace

LocalAffineModel fit_local_affine(const RgbImage& guide, const RgbImage& result,
                                  const LocalAffineParams& params, const Context& ctx,
                                  const std::vector<float>* coverage) {
  if (guide.width != result.width || guide.height != result.height ||
      guide.rgb.size() != result.rgb.size() || guide.rgb.size() != 3 * guide.pixel_count() ||
      guide.pixel_count() == 0) {
    throw Error(ErrorCode::kInvalidArgument, "local affine fit: guide and result differ in size");
  }
  if (params.radius < 1 || !(params.epsilon > 0)) {
    throw Error(ErrorCode::kInvalidArgument, "local affine fit: radius >= 1 and epsilon > 0");
  }
  if (coverage != nullptr && !coverage->empty() && coverage->size() != guide.pixel_count()) {
    throw Error(ErrorCode::kInvalidArgument,
                "local affine fit: coverage size differs from the guide's");
  }
  const int w = guide.width, h = guide.height;
  const std::size_t n = guide.pixel_count();
  // The filtered signal is the colour change p = result - guide, not the result itself: the
  // ridge eps then pulls a window's model toward "add the window's mean change" (which keeps all
  // of the target's detail) instead of toward "paint the window's mean colour" (which would
  // flatten it). Output = guide + A guide + b, i.e. (A + Id) guide + b.
  // Products whose window means eq. 14-15 need: I (3), p (3), I I^T (6 unique), I p^T (9).
  // With a coverage, every product is premultiplied by the pixel's weight and a 22nd plane holds
  // the weight, so that the window means become weighted means (box(w X) / box(w)).
  const bool weighted = coverage != nullptr && !coverage->empty();
  const int planes = weighted ? 22 : 21;
  Planes products{w, h, planes, std::vector<float>(static_cast<std::size_t>(planes) * n)};
  parallel_for(ctx, 0, n, 4096, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* I = &guide.rgb[3 * p];
      const float q[3] = {result.rgb[3 * p] - I[0], result.rgb[3 * p + 1] - I[1],
                          result.rgb[3 * p + 2] - I[2]};
      int k = 0;
      for (int c = 0; c < 3; ++c) products.plane(k++)[p] = I[c];
      for (int c = 0; c < 3; ++c) products.plane(k++)[p] = q[c];
      for (int i = 0; i < 3; ++i) {
        for (int j = i; j < 3; ++j) products.plane(k++)[p] = I[i] * I[j];
      }
      for (int i = 0; i < 3; ++i) {
        for (int c = 0; c < 3; ++c) products.plane(k++)[p] = I[i] * q[c];
      }
      if (weighted) {
        // A hidden pixel weighs kHiddenWeight, not 0: a window of hidden pixels only then still
        // has a defined fit (their plain means; their colours are the canonical fill, so it
        // does not depend on hidden RGB), and beside any visible pixel they count for nothing
        // measurable.
        const float weight = std::max((*coverage)[p], kHiddenWeight);
        for (int j = 0; j < 21; ++j) products.plane(j)[p] *= weight;
        products.plane(21)[p] = weight;
      }
    }
  });
  Planes means = box_mean(products, params.radius, ctx);
  products = Planes{};
  if (weighted) {
    parallel_for(ctx, 0, n, 4096, [&](std::size_t p0, std::size_t p1) {
      for (std::size_t p = p0; p < p1; ++p) {
        const float total = means.plane(21)[p];
        for (int j = 0; j < 21; ++j) means.plane(j)[p] /= total;
      }
    });
  }
  // Per window: A = (Sigma + eps U)^-1 cov(I, p) (eq. 14, one column per output channel), b = pbar
  // - A^T mu (eq. 15); solved in double by the adjugate of the symmetric 3x3.
  Planes coefficients{w, h, 12, std::vector<float>(12 * n)};
  parallel_for(ctx, 0, n, 4096, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p) {
      double mu[3], pbar[3], s[6], ip[9];
      int k = 0;
      for (double& v : mu) v = means.plane(k++)[p];
      for (double& v : pbar) v = means.plane(k++)[p];
      for (double& v : s) v = means.plane(k++)[p];
      for (double& v : ip) v = means.plane(k++)[p];
      // Covariance of the guide (+ eps) and cross-covariance guide/result.
      const double a00 = s[0] - mu[0] * mu[0] + params.epsilon;
      const double a01 = s[1] - mu[0] * mu[1];
      const double a02 = s[2] - mu[0] * mu[2];
      const double a11 = s[3] - mu[1] * mu[1] + params.epsilon;
      const double a12 = s[4] - mu[1] * mu[2];
      const double a22 = s[5] - mu[2] * mu[2] + params.epsilon;
      const double i00 = a11 * a22 - a12 * a12, i01 = a02 * a12 - a01 * a22,
                   i02 = a01 * a12 - a02 * a11, i11 = a00 * a22 - a02 * a02,
                   i12 = a01 * a02 - a00 * a12, i22 = a00 * a11 - a01 * a01;
      const double det = a00 * i00 + a01 * i01 + a02 * i02;
      const double inv[3][3] = {{i00 / det, i01 / det, i02 / det},
                                {i01 / det, i11 / det, i12 / det},
                                {i02 / det, i12 / det, i22 / det}};
      double cov[3][3];  // cov[i][c] = cov(I_i, p_c)
      for (int i = 0; i < 3; ++i) {
        for (int c = 0; c < 3; ++c) cov[i][c] = ip[3 * i + c] - mu[i] * pbar[c];
      }
      for (int c = 0; c < 3; ++c) {
        double b = pbar[c];
        for (int i = 0; i < 3; ++i) {
          const double a = inv[i][0] * cov[0][c] + inv[i][1] * cov[1][c] + inv[i][2] * cov[2][c];
          coefficients.plane(3 * c + i)[p] = static_cast<float>(a + (i == c ? 1.0 : 0.0));
          b -= a * mu[i];
        }
        coefficients.plane(9 + c)[p] = static_cast<float>(b);
      }
    }
  });
  // eq. 16: average of the coefficients of every window covering the pixel.
  const Planes averaged = box_mean(coefficients, params.radius, ctx);
  LocalAffineModel model;
  model.width = w;
  model.height = h;
  model.coefficients.resize(12 * n);
  parallel_for(ctx, 0, n, 4096, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p) {
      for (int k = 0; k < 12; ++k) model.coefficients[12 * p + k] = averaged.plane(k)[p];
    }
  });
  return model;
}

Rgba8Image apply_local_affine(const LocalAffineModel& model, const Rgba8Image& target,
                              const Context& ctx) {
  return apply(model, target.width, target.height, ctx,
               [&](std::size_t y, int x, float* rgb, uint8_t* alpha) {
                 const uint8_t* pixel = &target.rgba[4 * (y * target.width + x)];
                 for (int c = 0; c < 3; ++c) rgb[c] = pixel[c] / 255.0f;
                 *alpha = pixel[3];
               });
}

Rgba8Image apply_local_affine(const LocalAffineModel& model, const RgbImage& target,
                              const Context& ctx) {
  return apply(model, target.width, target.height, ctx,
               [&](std::size_t y, int x, float* rgb, uint8_t* alpha) {
                 const float* pixel = &target.rgb[3 * (y * target.width + x)];
                 for (int c = 0; c < 3; ++c) rgb[c] = pixel[c];
                 *alpha = 255;
               });
}

}  // namespace supercolor
