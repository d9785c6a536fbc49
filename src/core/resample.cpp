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

// Reduces with a row reader: read_row(y, out) writes source row y as width*3 floats in [0,1].
template <typename ReadRow>
RgbImage reduce_rows(int width, int height, ImageSize size, const Context& ctx,
                     const ReadRow& read_row) {
  if (size.width < 1 || size.height < 1 || size.width > width || size.height > height) {
    throw Error(ErrorCode::kInvalidArgument,
                "reduction to " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                    " of a " + std::to_string(width) + "x" + std::to_string(height) + " image");
  }
  const AreaTaps columns = area_taps(width, size.width);
  const AreaTaps rows = area_taps(height, size.height);
  RgbImage out;
  out.width = size.width;
  out.height = size.height;
  out.rgb.assign(3 * out.pixel_count(), 0.0f);
  // Output rows in chunks; each chunk reads the source rows it covers (a source row shared by
  // two chunks is read twice, which keeps chunks independent and the result thread-free).
  parallel_for(ctx, 0, size.height, 8, [&](std::size_t row_begin, std::size_t row_end) {
    std::vector<float> source_row(3 * static_cast<std::size_t>(width));
    std::vector<float> reduced_row(3 * static_cast<std::size_t>(size.width));
    for (std::size_t oy = row_begin; oy < row_end; ++oy) {
      float* target = &out.rgb[3 * oy * size.width];
      for (int k = 0; k < rows.count[oy]; ++k) {
        const int y = rows.first[oy] + k;
        const float wy = rows.weights[rows.offsets[oy] + k];
        read_row(y, source_row.data());
        for (int ox = 0; ox < size.width; ++ox) {
          float r = 0, g = 0, b = 0;
          const float* weight = &columns.weights[columns.offsets[ox]];
          const float* pixel = &source_row[3 * static_cast<std::size_t>(columns.first[ox])];
          for (int j = 0; j < columns.count[ox]; ++j) {
            r += weight[j] * pixel[3 * j];
            g += weight[j] * pixel[3 * j + 1];
            b += weight[j] * pixel[3 * j + 2];
          }
          reduced_row[3 * ox] = r;
          reduced_row[3 * ox + 1] = g;
          reduced_row[3 * ox + 2] = b;
        }
        for (int i = 0; i < 3 * size.width; ++i) target[i] += wy * reduced_row[i];
      }
    }
  });
  return out;
}

}  // namespace

RgbImage area_reduce(const Rgba8Image& source, ImageSize size, const Context& ctx) {
  return reduce_rows(source.width, source.height, size, ctx, [&](int y, float* row) {
    const uint8_t* pixel = &source.rgba[4 * static_cast<std::size_t>(y) * source.width];
    for (int x = 0; x < source.width; ++x) {
      for (int c = 0; c < 3; ++c) row[3 * x + c] = pixel[4 * x + c] / 255.0f;
    }
  });
}

RgbImage area_reduce(const RgbImage& source, ImageSize size, const Context& ctx) {
  return reduce_rows(source.width, source.height, size, ctx, [&](int y, float* row) {
    const float* pixel = &source.rgb[3 * static_cast<std::size_t>(y) * source.width];
    std::copy(pixel, pixel + 3 * source.width, row);
  });
}

}  // namespace supercolor
