// SLIC (method.md §1.1): label invariants, superpixel count on the test photos, determinism across
// thread counts, boundary adherence against a regular grid, agreement with a naive
// implementation, parameter validation, cancellation.

#include "core/slic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/colorspace.h"
#include "core/error.h"
#include "test_support.h"

namespace supercolor {
namespace {

using test::load_pair_image;
using test::pair_dir;
using test::pair_dirs;
using test::resize;
using test::smooth_image;

Context threads(int count) {
  Context ctx;
  ctx.threads = count;
  return ctx;
}

// Checks every invariant slic() promises: sizes, labels 0..count-1 all used and numbered in
// raster order of first appearance, each superpixel one 4-connected region (flood fill).
void expect_valid_segmentation(const Segmentation& seg, const RgbImage& image) {
  ASSERT_EQ(seg.width, image.width);
  ASSERT_EQ(seg.height, image.height);
  ASSERT_GE(seg.count, 1);
  const std::size_t n = image.pixel_count();
  ASSERT_EQ(seg.labels.size(), n);
  int32_t next_new_label = 0;
  for (int32_t label : seg.labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, seg.count);
    ASSERT_LE(label, next_new_label) << "labels not numbered in raster order";
    if (label == next_new_label) ++next_new_label;
  }
  ASSERT_EQ(next_new_label, seg.count) << "some labels in 0..count-1 unused";

  const std::size_t w = static_cast<std::size_t>(seg.width);
  std::vector<bool> visited(n, false);
  std::vector<int> regions_per_label(static_cast<std::size_t>(seg.count), 0);
  std::vector<std::size_t> stack;
  for (std::size_t start = 0; start < n; ++start) {
    if (visited[start]) continue;
    const int32_t label = seg.labels[start];
    ++regions_per_label[static_cast<std::size_t>(label)];
    visited[start] = true;
    stack.push_back(start);
    while (!stack.empty()) {
      const std::size_t p = stack.back();
      stack.pop_back();
      const std::size_t x = p % w;
      std::vector<std::size_t> neighbours;
      if (x > 0) neighbours.push_back(p - 1);
      if (x + 1 < w) neighbours.push_back(p + 1);
      if (p >= w) neighbours.push_back(p - w);
      if (p + w < n) neighbours.push_back(p + w);
      for (std::size_t q : neighbours) {
        if (!visited[q] && seg.labels[q] == label) {
          visited[q] = true;
          stack.push_back(q);
        }
      }
    }
  }
  for (int label = 0; label < seg.count; ++label) {
    ASSERT_EQ(regions_per_label[static_cast<std::size_t>(label)], 1)
        << "superpixel " << label << " is not one 4-connected region";
  }
}

std::vector<int> superpixel_sizes(const Segmentation& seg) {
  std::vector<int> sizes(static_cast<std::size_t>(seg.count), 0);
  for (int32_t label : seg.labels) ++sizes[static_cast<std::size_t>(label)];
  return sizes;
}

TEST(SlicParamsTest, RequestedSuperpixels) {
  EXPECT_EQ(slic_requested_superpixels(SlicParams{}, 768 * 512), 1881);  // round(3 sqrt(393216))
  EXPECT_EQ(slic_requested_superpixels(SlicParams{}, 100), 30);
  EXPECT_EQ(slic_requested_superpixels(SlicParams{}, 1), 1);  // never more than n
  EXPECT_EQ(slic_requested_superpixels(SlicParams{}, 6), 6);
  SlicParams explicit_k;
  explicit_k.superpixels = 17;
  EXPECT_EQ(slic_requested_superpixels(explicit_k, 1000), 17);
}

TEST(Slic, CountNearRequestedOnEveryTestPair) {
  const Context ctx = threads(2);
  for (const std::string& dir : pair_dirs()) {
    for (const char* which : {"target", "reference"}) {
      SCOPED_TRACE(dir + " " + which);
      const RgbImage image = load_pair_image(dir, which);
      const long long n = static_cast<long long>(image.pixel_count());
      const int requested = slic_requested_superpixels(SlicParams{}, n);
      const Segmentation seg = slic(image, SlicParams{}, ctx);
      expect_valid_segmentation(seg, image);
      EXPECT_GE(seg.count, 0.85 * requested);
      EXPECT_LE(seg.count, 1.15 * requested);
      // Fragments under a quarter of the mean size were merged away, so no superpixel is that
      // small (the mean uses the fitted grid, within a few percent of K).
      const std::vector<int> sizes = superpixel_sizes(seg);
      EXPECT_GE(*std::min_element(sizes.begin(), sizes.end()),
                static_cast<double>(n) / (4.0 * requested * 1.05));
    }
  }
}

TEST(Slic, IdenticalForAnyThreadCount) {
  const RgbImage image =
      load_pair_image(pair_dir("07_kodak_kodim16_kodim12_island_beach"), "target");
  ASSERT_EQ(image.width, 768);
  ASSERT_EQ(image.height, 512);
  Segmentation results[3];
  const int thread_counts[3] = {1, 2, 7};  // 7: more threads than chunks per core
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    results[i] = slic(image, SlicParams{}, threads(thread_counts[i]));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "slic 768x512, " << thread_counts[i] << " thread(s): " << seconds * 1e3 << " ms, "
              << results[i].count << " superpixels\n";
  }
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(results[i].count, results[0].count);
    EXPECT_TRUE(results[i].labels == results[0].labels) << thread_counts[i] << " threads";
  }
}

// A synthetic scene with known regions: discs and ellipses of distinct colours on a background,
// plus mild noise. region[p] is the index of the shape that owns p (0 = background).
struct Scene {
  RgbImage image;
  std::vector<int> region;
};

Scene make_scene(int width, int height, unsigned seed) {
  struct Ellipse {
    float cx, cy, rx, ry, r, g, b;
  };
  const Ellipse shapes[] = {
      {0.30f, 0.35f, 0.22f, 0.25f, 0.85f, 0.20f, 0.15f},
      {0.70f, 0.60f, 0.25f, 0.18f, 0.15f, 0.55f, 0.80f},
      {0.55f, 0.25f, 0.12f, 0.12f, 0.95f, 0.85f, 0.20f},
      {0.20f, 0.78f, 0.14f, 0.10f, 0.25f, 0.75f, 0.30f},
      {0.82f, 0.20f, 0.09f, 0.16f, 0.60f, 0.30f, 0.70f},
  };
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.03f, 0.03f);
  Scene scene{RgbImage{width, height, std::vector<float>(3 * std::size_t(width) * height)},
              std::vector<int>(std::size_t(width) * height, 0)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t p = std::size_t(y) * width + x;
      float colour[3] = {0.45f, 0.45f, 0.40f};
      for (int s = 0; s < 5; ++s) {
        const Ellipse& e = shapes[s];
        const float dx = (x + 0.5f) / width - e.cx, dy = (y + 0.5f) / height - e.cy;
        if (dx * dx / (e.rx * e.rx) + dy * dy / (e.ry * e.ry) <= 1.0f) {
          scene.region[p] = s + 1;
          colour[0] = e.r;
          colour[1] = e.g;
          colour[2] = e.b;
        }
      }
      for (int c = 0; c < 3; ++c) {
        scene.image.rgb[3 * p + c] = std::clamp(colour[c] + noise(rng), 0.0f, 1.0f);
      }
    }
  }
  return scene;
}

// Pixels lying in a different region than the majority region of their superpixel.
long long misassigned_pixels(const std::vector<int32_t>& labels, int count,
                             const std::vector<int>& region, int region_count) {
  std::vector<long long> histogram(static_cast<std::size_t>(count) * region_count, 0);
  for (std::size_t p = 0; p < labels.size(); ++p) {
    ++histogram[static_cast<std::size_t>(labels[p]) * region_count + region[p]];
  }
  long long wrong = 0;
  for (int label = 0; label < count; ++label) {
    const auto begin = histogram.begin() + static_cast<std::ptrdiff_t>(label) * region_count;
    long long total = 0;
    for (int r = 0; r < region_count; ++r) total += begin[r];
    wrong += total - *std::max_element(begin, begin + region_count);
  }
  return wrong;
}

TEST(Slic, AdheresToBoundariesBetterThanRegularGrid) {
  const Scene scene = make_scene(320, 240, 11);
  SlicParams params;
  params.superpixels = 150;
  const Segmentation seg = slic(scene.image, params, threads(2));
  expect_valid_segmentation(seg, scene.image);

  // A regular grid with (about) the same number of cells.
  const int cols = std::max(1, static_cast<int>(std::lround(std::sqrt(seg.count * 320.0 / 240.0))));
  const int rows =
      std::max(1, static_cast<int>(std::lround(static_cast<double>(seg.count) / cols)));
  std::vector<int32_t> grid(scene.region.size());
  for (int y = 0; y < 240; ++y) {
    for (int x = 0; x < 320; ++x)
      grid[std::size_t(y) * 320 + x] = (y * rows / 240) * cols + x * cols / 320;
  }
  const long long slic_wrong = misassigned_pixels(seg.labels, seg.count, scene.region, 6);
  const long long grid_wrong = misassigned_pixels(grid, cols * rows, scene.region, 6);
  std::cout << "misassigned pixels: SLIC " << slic_wrong << " (" << seg.count
            << " superpixels), grid " << grid_wrong << " (" << cols * rows << " cells)\n";
  EXPECT_GT(grid_wrong, 0);
  // Not merely better: on clean edges SLIC should follow them closely.
  EXPECT_LT(slic_wrong * 4, grid_wrong);
}

// A deliberately naive SLIC following the same rules as slic.cpp (fitted seed grid, 3x3
// lowest-gradient seed move, windows of half-size max(S, cell size), ties to the lower centre
// index, empty centres kept), summing in plain raster order, with every pixel tested against
// every centre. Returns the labels before connectivity enforcement, and the seed count.
struct NaiveSlic {
  std::vector<int32_t> labels;
  int seeds = 0;
};

NaiveSlic naive_slic(const RgbImage& image, int k, double m, int iterations) {
  const int w = image.width, h = image.height;
  const std::size_t n = image.pixel_count();
  std::vector<float> lab(3 * n);
  srgb_to_lab(image.rgb.data(), lab.data(), n);
  // Grid: cols*rows closest to K, then squarest cells.
  const double ideal = std::sqrt(static_cast<double>(k) * w / h);
  int cols = 1, rows = 1;
  double best_count = 1e300, best_aspect = 1e300;
  for (double c : {std::floor(ideal), std::ceil(ideal)}) {
    const int cc = static_cast<int>(std::clamp(c, 1.0, static_cast<double>(std::min(w, k))));
    const int rr = static_cast<int>(
        std::clamp(std::round(static_cast<double>(k) / cc), 1.0, static_cast<double>(h)));
    const double count_error = std::abs(static_cast<double>(cc) * rr - k);
    const double aspect = std::abs(std::log((double(w) / cc) / (double(h) / rr)));
    if (count_error < best_count || (count_error == best_count && aspect < best_aspect)) {
      cols = cc;
      rows = rr;
      best_count = count_error;
      best_aspect = aspect;
    }
  }
  const double step = std::sqrt(static_cast<double>(n) / k);
  const float radius_x = static_cast<float>(std::max(step, double(w) / cols));
  const float radius_y = static_cast<float>(std::max(step, double(h) / rows));
  const float weight = static_cast<float>(m * m / (step * step));
  const auto at = [&](int x, int y, int c) { return lab[3 * (std::size_t(y) * w + x) + c]; };
  const auto gradient = [&](int x, int y) {
    float g = 0;
    for (int c = 0; c < 3; ++c) {
      const float gx = at(std::min(x + 1, w - 1), y, c) - at(std::max(x - 1, 0), y, c);
      const float gy = at(x, std::min(y + 1, h - 1), c) - at(x, std::max(y - 1, 0), c);
      g += gx * gx + gy * gy;
    }
    return g;
  };
  struct C {
    float l, a, b, x, y;
  };
  std::vector<C> centres;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const int sx = static_cast<int>((2LL * c + 1) * w / (2LL * cols));
      const int sy = static_cast<int>((2LL * r + 1) * h / (2LL * rows));
      int bx = sx, by = sy;
      float best = gradient(sx, sy);
      for (int y = std::max(sy - 1, 0); y <= std::min(sy + 1, h - 1); ++y) {
        for (int x = std::max(sx - 1, 0); x <= std::min(sx + 1, w - 1); ++x) {
          if (gradient(x, y) < best) {
            best = gradient(x, y);
            bx = x;
            by = y;
          }
        }
      }
      centres.push_back({at(bx, by, 0), at(bx, by, 1), at(bx, by, 2), float(bx), float(by)});
    }
  }
  std::vector<int32_t> labels(n);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x)
      labels[std::size_t(y) * w + x] = (y * rows / h) * cols + x * cols / w;
  }
  for (int it = 0; it < iterations; ++it) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        float best = std::numeric_limits<float>::max();
        for (std::size_t kk = 0; kk < centres.size(); ++kk) {
          const C& c = centres[kk];
          if (x < std::ceil(c.x - radius_x) || x > std::floor(c.x + radius_x) ||
              y < std::ceil(c.y - radius_y) || y > std::floor(c.y + radius_y)) {
            continue;
          }
          const float dl = at(x, y, 0) - c.l, da = at(x, y, 1) - c.a, db = at(x, y, 2) - c.b;
          const float dx = float(x) - c.x, dy = float(y) - c.y;
          const float d = dl * dl + da * da + db * db + (dx * dx + dy * dy) * weight;
          if (d < best) {
            best = d;
            labels[std::size_t(y) * w + x] = static_cast<int32_t>(kk);
          }
        }
      }
    }
    if (it + 1 == iterations) break;
    std::vector<double> sums(centres.size() * 6, 0.0);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        double* s = &sums[std::size_t(labels[std::size_t(y) * w + x]) * 6];
        for (int c = 0; c < 3; ++c) s[c] += at(x, y, c);
        s[3] += x;
        s[4] += y;
        s[5] += 1;
      }
    }
    for (std::size_t kk = 0; kk < centres.size(); ++kk) {
      const double* s = &sums[kk * 6];
      if (s[5] > 0) {
        centres[kk] = {float(s[0] / s[5]), float(s[1] / s[5]), float(s[2] / s[5]),
                       float(s[3] / s[5]), float(s[4] / s[5])};
      }
    }
  }
  return {labels, cols * rows};
}

// 4-connected components of a label map, numbered in raster order; returns the count.
int connected_components(const std::vector<int32_t>& labels, int width,
                         std::vector<int32_t>& component) {
  const std::size_t n = labels.size(), w = static_cast<std::size_t>(width);
  component.assign(n, -1);
  int count = 0;
  std::vector<std::size_t> queue;
  for (std::size_t start = 0; start < n; ++start) {
    if (component[start] >= 0) continue;
    queue.assign(1, start);
    component[start] = count;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::size_t p = queue[head];
      const std::size_t x = p % w;
      for (std::size_t q :
           {x > 0 ? p - 1 : p, x + 1 < w ? p + 1 : p, p >= w ? p - w : p, p + w < n ? p + w : p}) {
        if (component[q] < 0 && labels[q] == labels[p]) {
          component[q] = count;
          queue.push_back(q);
        }
      }
    }
    ++count;
  }
  return count;
}

TEST(Slic, AgreesWithNaiveImplementation) {
  // The iterations must give exactly the naive labels; connectivity enforcement then only
  // merges their 4-connected fragments. So: every naive fragment lies inside one superpixel,
  // and every superpixel holds exactly one fragment of at least a quarter of the mean size
  // n / seeds (the small ones are what got merged into it). Uniform noise with a low
  // compactness fragments heavily, including (with these seeds) a small fragment at pixel 0,
  // the one case with no earlier neighbour to merge into.
  struct Case {
    std::string name;
    RgbImage image;
    int superpixels;
    float compactness;
  };
  const Case cases[] = {
      {"buildings",
       resize(load_pair_image(pair_dir("14_kodak_kodim01_kodim08_buildings"), "target"), 96, 64),
       60, 10.0f},
      {"scotland", resize(load_pair_image(pair_dir("01_pitie_scotland"), "target"), 96, 64), 60,
       10.0f},
      {"noise", test::random_image(48, 32, 5), 40, 2.0f},
      {"noise2", test::random_image(33, 47, 6), 25, 1.0f},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const RgbImage& image = c.image;
    SlicParams params;
    params.superpixels = c.superpixels;
    params.compactness = c.compactness;
    const Segmentation seg = slic(image, params, threads(2));
    expect_valid_segmentation(seg, image);
    const NaiveSlic naive = naive_slic(image, c.superpixels, c.compactness, 10);

    std::vector<int32_t> fragment;
    const int fragments = connected_components(naive.labels, image.width, fragment);
    std::vector<long long> fragment_size(static_cast<std::size_t>(fragments), 0);
    std::vector<int32_t> fragment_superpixel(static_cast<std::size_t>(fragments), -1);
    for (std::size_t p = 0; p < fragment.size(); ++p) {
      const std::size_t f = static_cast<std::size_t>(fragment[p]);
      ++fragment_size[f];
      if (fragment_superpixel[f] < 0) fragment_superpixel[f] = seg.labels[p];
      ASSERT_EQ(fragment_superpixel[f], seg.labels[p]) << "a naive fragment was split";
    }
    std::vector<int> large_fragments(static_cast<std::size_t>(seg.count), 0);
    for (int f = 0; f < fragments; ++f) {
      if (4 * fragment_size[f] * naive.seeds >= static_cast<long long>(image.pixel_count())) {
        ++large_fragments[static_cast<std::size_t>(fragment_superpixel[f])];
      }
    }
    for (int label = 0; label < seg.count; ++label) {
      EXPECT_EQ(large_fragments[static_cast<std::size_t>(label)], 1) << "superpixel " << label;
    }
    std::cout << c.name << ": " << fragments << " naive fragments (first one " << fragment_size[0]
              << " px) -> " << seg.count << " superpixels\n";
  }
}

TEST(Slic, OneSuperpixelWhenKIsOne) {
  SlicParams params;
  params.superpixels = 1;
  for (const RgbImage& image :
       {smooth_image(120, 80, 3), smooth_image(1000, 3, 4), smooth_image(1, 1, 5)}) {
    const Segmentation seg = slic(image, params, threads(2));
    EXPECT_EQ(seg.count, 1);
    EXPECT_TRUE(std::all_of(seg.labels.begin(), seg.labels.end(),
                            [](int32_t label) { return label == 0; }));
  }
}

TEST(Slic, TinyImages) {
  for (auto [w, h] :
       {std::pair{1, 1}, std::pair{2, 3}, std::pair{3, 2}, std::pair{1, 7}, std::pair{9, 1}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const RgbImage image = test::random_image(w, h, 17);
    for (int k : {0, 1, w * h}) {
      SlicParams params;
      params.superpixels = k;
      const Segmentation seg = slic(image, params, threads(2));
      expect_valid_segmentation(seg, image);
      EXPECT_LE(seg.count, w * h);
    }
  }
}

TEST(Slic, RejectsBadParameters) {
  const RgbImage image = smooth_image(40, 30, 1);
  const auto expect_error = [](const std::function<void()>& run, const std::string& mention) {
    try {
      run();
      ADD_FAILURE() << "no error for " << mention;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument) << error.what();
      EXPECT_NE(std::string(error.what()).find(mention), std::string::npos) << error.what();
    }
  };
  // Parameters: the rule (validate_params applies it at the boundary, with each image's pixel
  // count); slic() re-checks it only in builds with kDebugChecks (the sanitizer presets).
  const auto expect_invalid = [&](const RgbImage& img, const SlicParams& params,
                                  const std::string& mention) {
    expect_error([&] { validate_slic_params(params, static_cast<long long>(img.pixel_count())); },
                 mention);
    if (kDebugChecks) expect_error([&] { slic(img, params, threads(1)); }, mention);
  };
  // Bad images: slic() checks them in every build.
  const auto expect_invalid_image = [&](const RgbImage& img, const std::string& mention) {
    expect_error([&] { slic(img, SlicParams{}, threads(1)); }, mention);
  };
  SlicParams negative_k;
  negative_k.superpixels = -1;
  expect_invalid(image, negative_k, "-1");
  SlicParams too_many;
  too_many.superpixels = 40 * 30 + 1;
  expect_invalid(image, too_many, "1201");
  SlicParams nan_m;
  nan_m.compactness = std::numeric_limits<float>::quiet_NaN();
  expect_invalid(image, nan_m, "compactness");
  SlicParams inf_m;
  inf_m.compactness = std::numeric_limits<float>::infinity();
  expect_invalid(image, inf_m, "compactness");
  SlicParams zero_m;
  zero_m.compactness = 0.0f;
  expect_invalid(image, zero_m, "compactness");
  SlicParams no_iterations;
  no_iterations.iterations = 0;
  expect_invalid(image, no_iterations, "iterations = 0");

  expect_invalid_image(RgbImage{}, "empty");
  RgbImage short_buffer = image;
  short_buffer.rgb.pop_back();
  expect_invalid_image(short_buffer, "buffer");
  RgbImage nan_pixel = image;
  nan_pixel.rgb[5] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid_image(nan_pixel, "non-finite");

  EXPECT_NO_THROW(validate_slic_params(SlicParams{}, 1));
  try {
    validate_slic_params(negative_k, 100);
    ADD_FAILURE() << "validate_slic_params accepted K = -1";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(Slic, CancellationFlagThrowsCancelled) {
  const RgbImage image = smooth_image(200, 150, 2);
  std::atomic<bool> cancel{true};
  for (int thread_count : {1, 2}) {
    Context ctx = threads(thread_count);
    ctx.cancel = &cancel;
    try {
      slic(image, SlicParams{}, ctx);
      ADD_FAILURE() << "not cancelled";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kCancelled);
    }
  }
  cancel = false;
  Context ctx = threads(2);
  ctx.cancel = &cancel;
  EXPECT_NO_THROW(slic(image, SlicParams{}, ctx));  // a lowered flag changes nothing
}

TEST(Slic, CompactnessTradesColourForShape) {
  // Higher m weighs position more: superpixels become more compact (smaller spatial spread).
  const RgbImage image =
      resize(load_pair_image(pair_dir("08_kodak_kodim22_kodim13_barn_stream"), "target"), 192, 128);
  const auto mean_spread = [&](float m) {
    SlicParams params;
    params.compactness = m;
    const Segmentation seg = slic(image, params, threads(2));
    std::vector<double> sx(seg.count), sy(seg.count), sxx(seg.count), syy(seg.count),
        count(seg.count);
    for (int y = 0; y < seg.height; ++y) {
      for (int x = 0; x < seg.width; ++x) {
        const int label = seg.labels[std::size_t(y) * seg.width + x];
        sx[label] += x;
        sy[label] += y;
        sxx[label] += double(x) * x;
        syy[label] += double(y) * y;
        count[label] += 1;
      }
    }
    double total = 0;
    for (int i = 0; i < seg.count; ++i) {
      const double mx = sx[i] / count[i], my = sy[i] / count[i];
      total += (sxx[i] / count[i] - mx * mx + syy[i] / count[i] - my * my) * count[i];
    }
    return total / image.pixel_count();
  };
  EXPECT_LT(mean_spread(40.0f), mean_spread(2.0f));
}

}  // namespace
}  // namespace supercolor
