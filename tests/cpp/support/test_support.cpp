#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "io/image_io.h"

namespace supercolor::test {

namespace fs = std::filesystem;

std::string pair_dir(const std::string& name) {
  return std::string(SUPERCOLOR_SHARED_DIR) + "/testdata/pairs/" + name;
}

std::vector<std::string> pair_dirs() {
  std::vector<std::string> dirs;
  for (const auto& entry :
       fs::directory_iterator(std::string(SUPERCOLOR_SHARED_DIR) + "/testdata/pairs")) {
    if (entry.is_directory()) dirs.push_back(entry.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  if (dirs.empty()) throw std::runtime_error("no test pairs under " SUPERCOLOR_SHARED_DIR);
  return dirs;
}

RgbImage load_pair_image(const std::string& dir, const std::string& which) {
  for (const char* extension : {".png", ".jpg", ".jpeg"}) {
    const std::string path = dir + "/" + which + extension;
    if (fs::exists(path)) return to_rgb(read_image_file(path));
  }
  throw std::runtime_error("no " + which + " image in " + dir);
}

RgbImage random_image(int width, int height, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  RgbImage image{width, height, std::vector<float>(3 * std::size_t(width) * height)};
  for (float& v : image.rgb) v = uniform(rng);
  return image;
}

RgbImage smooth_image(int width, int height, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  struct Blob {
    float x, y, radius, r, g, b;
  };
  std::vector<Blob> blobs(8);
  for (auto& blob : blobs) {
    blob = {uniform(rng) * width,
            uniform(rng) * height,
            (0.15f + 0.3f * uniform(rng)) * std::max(width, height),
            uniform(rng),
            uniform(rng),
            uniform(rng)};
  }
  RgbImage image{width, height, std::vector<float>(3 * std::size_t(width) * height)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      float sum[3] = {0, 0, 0}, weight = 1e-6f;
      for (const auto& blob : blobs) {
        const float dx = (x - blob.x) / blob.radius, dy = (y - blob.y) / blob.radius;
        const float w = std::exp(-(dx * dx + dy * dy));
        sum[0] += w * blob.r;
        sum[1] += w * blob.g;
        sum[2] += w * blob.b;
        weight += w;
      }
      for (int c = 0; c < 3; ++c) {
        const float noise = 0.02f * (uniform(rng) - 0.5f);
        image.rgb[3 * (std::size_t(y) * width + x) + c] =
            std::clamp(sum[c] / weight + noise, 0.0f, 1.0f);
      }
    }
  }
  return image;
}

RgbImage crop(const RgbImage& image, int x0, int y0, int w, int h) {
  RgbImage out{w, h, std::vector<float>(3 * std::size_t(w) * h)};
  for (int y = 0; y < h; ++y) {
    std::copy_n(&image.rgb[3 * (std::size_t(y0 + y) * image.width + x0)], 3 * w,
                &out.rgb[3 * std::size_t(y) * w]);
  }
  return out;
}

RgbImage resize(const RgbImage& image, int width, int height) {
  RgbImage out{width, height, std::vector<float>(3 * std::size_t(width) * height)};
  for (int y = 0; y < height; ++y) {
    const float sy =
        std::clamp((y + 0.5f) * image.height / height - 0.5f, 0.0f, image.height - 1.0f);
    const int y0 = int(sy), y1 = std::min(y0 + 1, image.height - 1);
    const float fy = sy - y0;
    for (int x = 0; x < width; ++x) {
      const float sx =
          std::clamp((x + 0.5f) * image.width / width - 0.5f, 0.0f, image.width - 1.0f);
      const int x0 = int(sx), x1 = std::min(x0 + 1, image.width - 1);
      const float fx = sx - x0;
      for (int c = 0; c < 3; ++c) {
        const auto at = [&](int yy, int xx) {
          return image.rgb[3 * (std::size_t(yy) * image.width + xx) + c];
        };
        out.rgb[3 * (std::size_t(y) * width + x) + c] =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
            fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      }
    }
  }
  return out;
}

}  // namespace supercolor::test
