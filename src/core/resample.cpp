#include "resample.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "error.h"

namespace supercolor {

ImageSize working_size(int width, int height, double max_pixels) {
  const double pixels = static_cast<double>(width) * height;
  if (!(pixels > max_pixels)) return {width, height};
  // Scale both sides by sqrt(max/pixels), rounding down so the product stays within max.
  const double scale = std::sqrt(max_pixels / pixels);
  ImageSize size{std::max(1, static_cast<int>(std::floor(width * scale))),
                 std::max(1, static_cast<int>(std::floor(height * scale)))};
  return size;
}

namespace {

// Taps of the area filter along one axis: output o averages source [o*s, (o+1)*s), s = n/n'.
struct AreaTaps {
  std::vector<int> first;      // per output: first source index
  std::vector<int> count;      // per output: number of source indices
  std::vector<float> weights;  // per output, `count` weights summing to 1 (offset: offsets)
  std::vector<std::size_t> offsets;
};

AreaTaps area_taps(int source, int destination) {
  AreaTaps taps;
  const double scale = static_cast<double>(source) / destination;
  for (int o = 0; o < destination; ++o) {
    const double begin = o * scale;
    const double end = (o + 1) * scale;
    const int first = static_cast<int>(std::floor(begin));
    const int last = std::min(source - 1, static_cast<int>(std::ceil(end)) - 1);
    taps.first.push_back(first);
    taps.count.push_back(last - first + 1);
    taps.offsets.push_back(taps.weights.size());
    for (int i = first; i <= last; ++i) {
      const double overlap = std::min(end, i + 1.0) - std::max(begin, static_cast<double>(i));
      taps.weights.push_back(static_cast<float>(std::max(0.0, overlap) / scale));
    }
  }
  return taps;
}

// Reduces with a row reader: read_row(y, out) writes source row y as width * kChannels floats.
// Returns the reduced rows, kChannels floats per pixel.
template <int kChannels, typename ReadRow>
std::vector<float> reduce_rows(int width, int height, ImageSize size, const Context& ctx,
                               const ReadRow& read_row) {
  if (size.width < 1 || size.height < 1 || size.width > width || size.height > height) {
    throw Error(ErrorCode::kInvalidArgument,
                "reduction to " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                    " of a " + std::to_string(width) + "x" + std::to_string(height) + " image");
  }
  const AreaTaps columns = area_taps(width, size.width);
  const AreaTaps rows = area_taps(height, size.height);
  std::vector<float> out(kChannels * static_cast<std::size_t>(size.width) * size.height, 0.0f);
  // Output rows in chunks; each chunk reads the source rows it covers (a source row shared by
  // two chunks is read twice, which keeps chunks independent and the result thread-free).
  parallel_for(ctx, 0, size.height, 8, [&](std::size_t row_begin, std::size_t row_end) {
    std::vector<float> source_row(kChannels * static_cast<std::size_t>(width));
    std::vector<float> reduced_row(kChannels * static_cast<std::size_t>(size.width));
    for (std::size_t oy = row_begin; oy < row_end; ++oy) {
      float* target = &out[kChannels * oy * size.width];
      for (int k = 0; k < rows.count[oy]; ++k) {
        const int y = rows.first[oy] + k;
        const float wy = rows.weights[rows.offsets[oy] + k];
        read_row(y, source_row.data());
        for (int ox = 0; ox < size.width; ++ox) {
          float sum[kChannels] = {};
          const float* weight = &columns.weights[columns.offsets[ox]];
          const float* pixel = &source_row[kChannels * static_cast<std::size_t>(columns.first[ox])];
          for (int j = 0; j < columns.count[ox]; ++j) {
            for (int c = 0; c < kChannels; ++c) sum[c] += weight[j] * pixel[kChannels * j + c];
          }
          for (int c = 0; c < kChannels; ++c) reduced_row[kChannels * ox + c] = sum[c];
        }
        for (int i = 0; i < kChannels * size.width; ++i) target[i] += wy * reduced_row[i];
      }
    }
  });
  return out;
}

RgbImage rgb_image(ImageSize size, std::vector<float> rgb) {
  return RgbImage{size.width, size.height, std::move(rgb)};
}

}  // namespace

RgbImage area_reduce(const Rgba8Image& source, ImageSize size, const Context& ctx) {
  return rgb_image(
      size, reduce_rows<3>(source.width, source.height, size, ctx, [&](int y, float* row) {
        const uint8_t* pixel = &source.rgba[4 * static_cast<std::size_t>(y) * source.width];
        for (int x = 0; x < source.width; ++x) {
          for (int c = 0; c < 3; ++c) row[3 * x + c] = pixel[4 * x + c] / 255.0f;
        }
      }));
}

RgbImage area_reduce(const RgbImage& source, ImageSize size, const Context& ctx) {
  return rgb_image(
      size, reduce_rows<3>(source.width, source.height, size, ctx, [&](int y, float* row) {
        const float* pixel = &source.rgb[3 * static_cast<std::size_t>(y) * source.width];
        std::copy(pixel, pixel + 3 * source.width, row);
      }));
}

RgbImage area_reduce(const Rgba8Image& source, ImageSize size, const Context& ctx,
                     std::vector<float>& coverage) {
  coverage.clear();
  bool opaque = true;
  for (std::size_t p = 0; p < source.pixel_count() && opaque; ++p) {
    opaque = source.rgba[4 * p + 3] == 255;
  }
  // Opaque: the plain reduction, bit for bit (no weighting at all).
  if (opaque) return area_reduce(source, size, ctx);
  // Premultiplied (r a, g a, b a, a), a = alpha / 255: the box filter then averages colour by
  // the area each pixel actually shows, and a hidden pixel adds nothing.
  const std::vector<float> reduced =
      reduce_rows<4>(source.width, source.height, size, ctx, [&](int y, float* row) {
        const uint8_t* pixel = &source.rgba[4 * static_cast<std::size_t>(y) * source.width];
        for (int x = 0; x < source.width; ++x) {
          const float a = pixel[4 * x + 3] / 255.0f;
          for (int c = 0; c < 3; ++c) row[4 * x + c] = a * (pixel[4 * x + c] / 255.0f);
          row[4 * x + 3] = a;
        }
      });
  const std::size_t n = static_cast<std::size_t>(size.width) * size.height;
  std::vector<float> rgb(3 * n, 0.0f);
  coverage.assign(n, 0.0f);
  for (std::size_t p = 0; p < n; ++p) {
    const float a = reduced[4 * p + 3];
    // Un-premultiply; a pixel covering only hidden pixels stays 0 with coverage 0.
    if (a > 0.0f) {
      for (int c = 0; c < 3; ++c) rgb[3 * p + c] = std::min(1.0f, reduced[4 * p + c] / a);
      coverage[p] = std::min(1.0f, a);
    }
  }
  return rgb_image(size, std::move(rgb));
}

}  // namespace supercolor
