// Transparency: coverage weights and the canonical push-pull fill of hidden pixels (alpha.h).
#include "alpha.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"

namespace supercolor {

std::vector<float> coverage_of(const Rgba8Image& image) {
  const std::size_t n = image.pixel_count();
  bool opaque = true;
  for (std::size_t p = 0; p < n && opaque; ++p) opaque = image.rgba[4 * p + 3] == 255;
  if (opaque) return {};
  std::vector<float> coverage(n);
  for (std::size_t p = 0; p < n; ++p) coverage[p] = image.rgba[4 * p + 3] / 255.0f;
  return coverage;
}

bool has_visible_pixel(const std::vector<float>& coverage) {
  return coverage.empty() ||
         std::any_of(coverage.begin(), coverage.end(), [](float w) { return w > 0.0f; });
}

namespace {

// One level of the pull pyramid: coverage-weighted mean colour where weight > 0.
struct FillLevel {
  int width = 0, height = 0;
  std::vector<float> rgb;     // 3 per pixel; meaningful only where weight > 0 until pushed
  std::vector<float> weight;  // summed coverage of the level-0 pixels below
};

}  // namespace

void canonical_fill(RgbImage& image, const std::vector<float>& coverage, const char* what) {
  if (coverage.empty()) return;
  if (coverage.size() != image.pixel_count()) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + " coverage holds " + std::to_string(coverage.size()) +
                    " values, expected " + std::to_string(image.pixel_count()));
  }
  if (!has_visible_pixel(coverage)) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) +
                    " image has no visible pixel (alpha is 0 everywhere): there are no colours "
                    "to analyse");
  }
  const bool any_hidden =
      std::any_of(coverage.begin(), coverage.end(), [](float w) { return !(w > 0.0f); });
  if (!any_hidden) return;

  // Pull: level 0 is the image; each coarser level holds the coverage-weighted means of 2x2
  // blocks (an odd last row/column forms a block of its own), in float: at most 4 terms per
  // sum, in a fixed order.
  std::vector<FillLevel> levels(1);
  levels[0] = {image.width, image.height, image.rgb, coverage};
  while (levels.back().width > 1 || levels.back().height > 1) {
    const FillLevel& fine = levels.back();
    FillLevel coarse{(fine.width + 1) / 2, (fine.height + 1) / 2, {}, {}};
    coarse.rgb.assign(3 * std::size_t(coarse.width) * coarse.height, 0.0f);
    coarse.weight.assign(std::size_t(coarse.width) * coarse.height, 0.0f);
    for (int y = 0; y < coarse.height; ++y) {
      for (int x = 0; x < coarse.width; ++x) {
        float sum[3] = {0, 0, 0}, weight = 0;
        for (int dy = 0; dy < 2; ++dy) {
          const int fy = 2 * y + dy;
          if (fy >= fine.height) break;
          for (int dx = 0; dx < 2; ++dx) {
            const int fx = 2 * x + dx;
            if (fx >= fine.width) break;
            const std::size_t q = std::size_t(fy) * fine.width + fx;
            const float w = fine.weight[q];
            if (!(w > 0.0f)) continue;
            for (int c = 0; c < 3; ++c) sum[c] += w * fine.rgb[3 * q + c];
            weight += w;
          }
        }
        const std::size_t p = std::size_t(y) * coarse.width + x;
        coarse.weight[p] = weight;
        if (weight > 0.0f) {
          for (int c = 0; c < 3; ++c) coarse.rgb[3 * p + c] = sum[c] / weight;
        }
      }
    }
    levels.push_back(std::move(coarse));
  }

  // Push: the 1x1 top is visible (some pixel is). Going down, every hidden pixel of a level
  // takes the bilinear interpolation (half-pixel centres, clamped) of the level above, which is
  // complete by then.
  for (std::size_t l = levels.size() - 1; l-- > 0;) {
    FillLevel& fine = levels[l];
    const FillLevel& coarse = levels[l + 1];
    for (int y = 0; y < fine.height; ++y) {
      const float sy = std::clamp((y + 0.5f) * 0.5f - 0.5f, 0.0f, float(coarse.height - 1));
      const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, coarse.height - 1);
      const float fy = sy - y0;
      for (int x = 0; x < fine.width; ++x) {
        const std::size_t p = std::size_t(y) * fine.width + x;
        if (fine.weight[p] > 0.0f) continue;
        const float sx = std::clamp((x + 0.5f) * 0.5f - 0.5f, 0.0f, float(coarse.width - 1));
        const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, coarse.width - 1);
        const float fx = sx - x0;
        for (int c = 0; c < 3; ++c) {
          const auto at = [&](int yy, int xx) {
            return coarse.rgb[3 * (std::size_t(yy) * coarse.width + xx) + c];
          };
          const float top = at(y0, x0) + fx * (at(y0, x1) - at(y0, x0));
          const float bottom = at(y1, x0) + fx * (at(y1, x1) - at(y1, x0));
          fine.rgb[3 * p + c] = top + fy * (bottom - top);
        }
      }
    }
  }
  // Level 0 now holds the visible pixels unchanged and the fill elsewhere.
  image.rgb = std::move(levels[0].rgb);
}

}  // namespace supercolor
