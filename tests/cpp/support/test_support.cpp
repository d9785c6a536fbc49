#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "core/colorspace.h"
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

RgbImage box_blur(const RgbImage& image, int r) {
  RgbImage result = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        double sum = 0.0;
        int n = 0;
        for (int yy = std::max(0, y - r); yy <= std::min(image.height - 1, y + r); ++yy) {
          for (int xx = std::max(0, x - r); xx <= std::min(image.width - 1, x + r); ++xx) {
            sum += image.rgb[3 * (std::size_t(yy) * image.width + xx) + c];
            ++n;
          }
        }
        result.rgb[3 * (std::size_t(y) * image.width + x) + c] = float(sum / n);
      }
    }
  }
  return result;
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

std::vector<float> lab_of(const RgbImage& image) {
  std::vector<float> lab(image.rgb.size());
  srgb_to_lab(image.rgb.data(), lab.data(), image.pixel_count());
  return lab;
}

// Mean SSIM of two single-channel images over 7x7 windows (Wang et al. 2004 constants for a
// dynamic range of 100, the L* range).
double ssim(const std::vector<double>& a, const std::vector<double>& b, int width, int height) {
  const double c1 = std::pow(0.01 * 100, 2), c2 = std::pow(0.03 * 100, 2);
  double total = 0;
  int windows = 0;
  for (int y0 = 0; y0 + 7 <= height; y0 += 3) {
    for (int x0 = 0; x0 + 7 <= width; x0 += 3) {
      double ma = 0, mb = 0;
      for (int y = y0; y < y0 + 7; ++y)
        for (int x = x0; x < x0 + 7; ++x) {
          ma += a[std::size_t(y) * width + x];
          mb += b[std::size_t(y) * width + x];
        }
      ma /= 49;
      mb /= 49;
      double va = 0, vb = 0, cov = 0;
      for (int y = y0; y < y0 + 7; ++y)
        for (int x = x0; x < x0 + 7; ++x) {
          const double da = a[std::size_t(y) * width + x] - ma;
          const double db = b[std::size_t(y) * width + x] - mb;
          va += da * da;
          vb += db * db;
          cov += da * db;
        }
      va /= 48;
      vb /= 48;
      cov /= 48;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      ++windows;
    }
  }
  return total / windows;
}

}  // namespace supercolor::test
