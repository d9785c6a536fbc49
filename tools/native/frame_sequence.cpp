#include "frame_sequence.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/colorspace.h"
#include "native_pipeline.h"

namespace supercolor::reference {
namespace {

double to_linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
double to_srgb(double l) {
  return l <= 0.0031308 ? 12.92 * l : 1.055 * std::pow(l, 1 / 2.4) - 0.055;
}

}  // namespace

PanSequence make_pan_sequence(const RgbImage& photo, int frames, int width, int height,
                              double exposure_amplitude) {
  const int strip_width = photo.width * height / photo.height;
  if (strip_width <= width || frames < 2) {
    throw std::invalid_argument("make_pan_sequence: the photo is too narrow for the pan");
  }
  // Box-filtered reduction of the photo to `height` rows (areas of whole source pixels).
  RgbImage strip{strip_width, height, std::vector<float>(3 * std::size_t(strip_width) * height)};
  for (int y = 0; y < height; ++y) {
    const int y0 = y * photo.height / height,
              y1 = std::max(y0 + 1, (y + 1) * photo.height / height);
    for (int x = 0; x < strip_width; ++x) {
      const int x0 = x * photo.width / strip_width;
      const int x1 = std::max(x0 + 1, (x + 1) * photo.width / strip_width);
      for (int c = 0; c < 3; ++c) {
        double sum = 0;
        for (int sy = y0; sy < y1; ++sy) {
          for (int sx = x0; sx < x1; ++sx)
            sum += photo.rgb[3 * (std::size_t(sy) * photo.width + sx) + c];
        }
        strip.rgb[3 * (std::size_t(y) * strip_width + x) + c] =
            static_cast<float>(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  PanSequence out;
  constexpr double kPi = 3.14159265358979323846;
  for (int k = 0; k < frames; ++k) {
    const int offset =
        static_cast<int>(std::lround(double(k) * (strip_width - width) / (frames - 1)));
    const double gain = 1.0 + exposure_amplitude * std::sin(2 * kPi * k / 7.5);
    RgbImage frame{width, height, std::vector<float>(3 * std::size_t(width) * height)};
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        for (int c = 0; c < 3; ++c) {
          const double v = strip.rgb[3 * (std::size_t(y) * strip_width + x + offset) + c];
          const double exposed = std::min(1.0, std::max(0.0, to_srgb(to_linear(v) * gain)));
          frame.rgb[3 * (std::size_t(y) * width + x) + c] =
              static_cast<float>(std::lround(exposed * 255.0)) / 255.0f;
        }
      }
    }
    out.frames.push_back(std::move(frame));
    out.offsets.push_back(offset);
  }
  return out;
}

double mean_consecutive_delta_e(const std::vector<RgbImage>& frames,
                                const std::vector<int>* offsets) {
  double total = 0;
  for (std::size_t k = 0; k + 1 < frames.size(); ++k) {
    const RgbImage& a = frames[k];
    const RgbImage& b = frames[k + 1];
    // Frame k column x shows the same scene column as frame k+1 column x - shift.
    const int shift = offsets ? (*offsets)[k + 1] - (*offsets)[k] : 0;
    std::vector<float> row_a, row_b;
    double sum = 0;
    std::size_t count = 0;
    for (int y = 0; y < a.height; ++y) {
      const int x_begin = std::max(0, shift), x_end = std::min(a.width, b.width + shift);
      if (x_end <= x_begin) continue;
      const std::size_t n = std::size_t(x_end - x_begin);
      std::vector<float> delta(n);
      delta_e2000_srgb(&a.rgb[3 * (std::size_t(y) * a.width + x_begin)],
                       &b.rgb[3 * (std::size_t(y) * b.width + x_begin - shift)], delta.data(), n);
      for (float d : delta) sum += d;
      count += n;
    }
    total += sum / double(count);
  }
  return total / double(frames.size() - 1);
}

std::vector<RgbImage> apply_lut_to_frames(const Lut& lut, const std::vector<RgbImage>& frames,
                                          LutInterpolation interpolation, const Context& ctx) {
  std::vector<RgbImage> out;
  out.reserve(frames.size());
  for (const RgbImage& frame : frames) out.push_back(apply_lut(lut, frame, interpolation, ctx));
  return out;
}

RgbImage transfer_frame(const RgbImage& frame, const RgbImage& reference, const Params& params,
                        const Vgg19Reference& vgg) {
  Pipeline pipeline(params, frame, reference);
  run_pipeline(pipeline, vgg, nullptr);
  return pipeline.result();
}

std::vector<RgbImage> transfer_independent(const std::vector<RgbImage>& frames,
                                           const RgbImage& reference, const Params& params,
                                           const Vgg19Reference& vgg) {
  std::vector<RgbImage> out;
  for (const RgbImage& frame : frames) out.push_back(transfer_frame(frame, reference, params, vgg));
  return out;
}

std::vector<RgbImage> transfer_consistent_key_frame(const std::vector<RgbImage>& frames,
                                                    std::size_t key, const RgbImage& reference,
                                                    const Params& params,
                                                    const LutFitParams& lut_params,
                                                    const Vgg19Reference& vgg) {
  const RgbImage result = transfer_frame(frames.at(key), reference, params, vgg);
  const Lut lut = fit_lut(frames[key], result, lut_params);
  return apply_lut_to_frames(lut, frames, LutInterpolation::kTetrahedral,
                             Context{params.threads, nullptr});
}

std::vector<RgbImage> transfer_consistent_pooled(const std::vector<RgbImage>& frames,
                                                 const std::vector<RgbImage>& transfers,
                                                 const LutFitParams& lut_params, int threads) {
  LutFitSamples samples;
  for (std::size_t k = 0; k < frames.size(); ++k) samples.add(frames[k], transfers.at(k));
  const Lut lut = fit_lut(samples, lut_params);
  return apply_lut_to_frames(lut, frames, LutInterpolation::kTetrahedral,
                             Context{threads, nullptr});
}

}  // namespace supercolor::reference
