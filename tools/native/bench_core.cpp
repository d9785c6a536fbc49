// Benchmarks of the C++ core (issue figures). Prints, never asserts:
//  - wall time of each stage on 01_pitie_scotland and a 768x512 Kodak pair, 1 and 2 threads;
//  - fast fusion vs the float64 brute-force definition (speed ratio, max error);
//  - this SLIC vs OpenCV ximgproc SLIC at the same superpixel count and iterations on ~1 MP,
//    measured side by side in one run (when built with OpenCV).
//
//  - transparency: opaque vs weighted (alpha 254) vs partly hidden inputs, side by side;
//
//   bench_core [--repeat N] [--transparency (that section only)]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "fusion_reference.h"
#include "io/image_io.h"
#include "native_pipeline.h"

#ifdef SUPERCOLOR_HAVE_OPENCV
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/slic.hpp>
#endif

using namespace supercolor;

namespace {

using Clock = std::chrono::steady_clock;

double time_best(int repeat, const std::function<void()>& run) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

void bench_stages(const std::string& pair, const reference::Vgg19Reference& vgg, int repeat) {
  const RgbImage target =
      to_rgb(read_image_file(reference::shared_image_path("pairs/" + std::string(pair), "target")));
  const RgbImage reference = to_rgb(
      read_image_file(reference::shared_image_path("pairs/" + std::string(pair), "reference")));
  std::printf("\n== stages: %s (target %dx%d, reference %dx%d), best of %d ==\n", pair.c_str(),
              target.width, target.height, reference.width, reference.height, repeat);
  std::printf("%-8s %9s %9s %9s %9s %9s %9s\n", "threads", "segment", "features", "match", "fuse",
              "regrain", "total");
  reference::StageTimings by_threads[2];
  for (int threads : {1, 2}) {
    reference::StageTimings best;
    best.segment = best.features = best.match = best.fuse = best.regrain = 1e30;
    for (int r = 0; r < repeat; ++r) {
      Params params;
      params.threads = threads;
      Pipeline pipeline(params, target, reference);
      reference::StageTimings t;
      reference::run_pipeline(pipeline, vgg, &t);
      best.segment = std::min(best.segment, t.segment);
      best.features = std::min(best.features, t.features);
      best.match = std::min(best.match, t.match);
      best.fuse = std::min(best.fuse, t.fuse);
      best.regrain = std::min(best.regrain, t.regrain);
    }
    by_threads[threads - 1] = best;
    std::printf("%-8d %8.3fs %8.3fs %8.3fs %8.3fs %8.3fs %8.3fs\n", threads, best.segment,
                best.features, best.match, best.fuse, best.regrain, best.total());
  }
  std::printf(
      "2-thread speed-up: segment %.2fx, fuse %.2fx, regrain %.2fx, total %.2fx\n",
      by_threads[0].segment / by_threads[1].segment, by_threads[0].fuse / by_threads[1].fuse,
      by_threads[0].regrain / by_threads[1].regrain, by_threads[0].total() / by_threads[1].total());
}

// Transparency (method.md §1.8): the same pair as opaque RGBA, with alpha 254 everywhere (the
// weighted code paths with nothing hidden) and with the target's left quarter and the
// reference's right half at alpha 0 (the weighted paths plus the canonical fill), 2 threads,
// side by side in one run. Opaque inputs run the unweighted code: that row is the method's cost.
void bench_transparency(const std::string& pair, const reference::Vgg19Reference& vgg, int repeat) {
  const Rgba8Image target =
      read_image_file(reference::shared_image_path("pairs/" + std::string(pair), "target"));
  const Rgba8Image reference =
      read_image_file(reference::shared_image_path("pairs/" + std::string(pair), "reference"));
  std::printf("\n== transparency: %s (target %dx%d, reference %dx%d), 2 threads, best of %d ==\n",
              pair.c_str(), target.width, target.height, reference.width, reference.height, repeat);
  std::printf("%-22s %9s %9s %9s %9s %9s %9s %9s\n", "alpha", "segment", "features", "match",
              "fuse", "regrain", "upsample", "total");
  const auto with_alpha = [](Rgba8Image image, auto alpha_of) {
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) {
        image.rgba[4 * (std::size_t(y) * image.width + x) + 3] = alpha_of(x, y, image.width);
      }
    }
    return image;
  };
  const auto almost = [](int, int, int) { return uint8_t{254}; };
  const auto target_quarter = [](int x, int, int w) { return uint8_t(x < w / 4 ? 0 : 255); };
  const auto reference_half = [](int x, int, int w) { return uint8_t(x >= w / 2 ? 0 : 255); };
  struct Case {
    const char* name;
    Rgba8Image target, reference;
  };
  const Case cases[] = {
      {"opaque", target, reference},
      {"254 everywhere", with_alpha(target, almost), with_alpha(reference, almost)},
      {"0 on 1/4 T, 1/2 R", with_alpha(target, target_quarter),
       with_alpha(reference, reference_half)},
  };
  for (const double megapixels : {1.5, 0.05}) {
    std::printf("analysisMegapixels %g\n", megapixels);
    for (const Case& c : cases) {
      reference::StageTimings best;
      best.segment = best.features = best.match = best.fuse = best.regrain = best.upsample = 1e30;
      for (int r = 0; r < repeat; ++r) {
        Params params;
        params.threads = 2;
        params.analysis_megapixels = megapixels;
        Pipeline pipeline(params, c.target, c.reference);
        reference::StageTimings t;
        reference::run_pipeline(pipeline, vgg, &t);
        best.segment = std::min(best.segment, t.segment);
        best.features = std::min(best.features, t.features);
        best.match = std::min(best.match, t.match);
        best.fuse = std::min(best.fuse, t.fuse);
        best.regrain = std::min(best.regrain, t.regrain);
        best.upsample = std::min(best.upsample, t.upsample);
      }
      std::printf("%-22s %8.3fs %8.3fs %8.3fs %8.3fs %8.3fs %8.3fs %8.3fs\n", c.name, best.segment,
                  best.features, best.match, best.fuse, best.regrain, best.upsample, best.total());
    }
  }
}

void bench_fusion(const std::string& pair) {
  const RgbImage target =
      to_rgb(read_image_file(reference::shared_image_path("pairs/" + std::string(pair), "target")));
  const Context ctx{2, nullptr};
  const Segmentation segmentation = slic(target, SlicParams{}, ctx);
  const SuperpixelStats stats = superpixel_stats(target, segmentation, ctx);
  // Colours: each superpixel's mean colour rotated (r,g,b) -> (g,b,r): a real recolouring.
  std::vector<float> colors(3 * std::size_t(stats.count));
  for (int i = 0; i < stats.count; ++i) {
    for (int c = 0; c < 3; ++c) colors[3 * i + c] = float(stats.mean_rgb[3 * i + (c + 1) % 3]);
  }
  std::printf("\n== fusion: fast vs float64 brute force, %s (%dx%d, N=%d), 2 threads ==\n",
              pair.c_str(), target.width, target.height, stats.count);
  for (double radius : {0.3, double(INFINITY)}) {
    for (double sigma_g : {0.0, 1.0}) {
      FusionParams params;
      params.radius = radius;
      params.sigma_g = sigma_g;
      RgbImage fast;
      std::vector<double> brute;
      const double fast_s = time_best(
          1, [&] { fast = fuse(target, segmentation, stats, colors.data(), params, ctx); });
      const double brute_s = time_best(1, [&] {
        brute = reference::fuse_brute_force(target, segmentation, stats, colors.data(), params, 2);
      });
      double max_error = 0;
      for (std::size_t i = 0; i < fast.rgb.size(); ++i) {
        max_error = std::max(max_error, std::abs(double(fast.rgb[i]) - brute[i]));
      }
      std::printf(
          "radius %-4s sigma_g %-8s fast %7.3fs  brute %8.3fs  ratio %6.1fx  max error "
          "%.2e (%.3f/255)\n",
          std::isinf(radius) ? "inf" : "0.3", sigma_g == 0 ? "adaptive" : "1.0", fast_s, brute_s,
          brute_s / fast_s, max_error, max_error * 255);
    }
  }
}

void bench_slic_vs_opencv(int repeat) {
  // ~1 MP: the 768x512 Kodak target upscaled to 1224x816 (nearest, so edges stay sharp).
  const RgbImage small = to_rgb(read_image_file(
      reference::shared_image_path("pairs/14_kodak_kodim01_kodim08_buildings", "target")));
  const RgbImage image = reference::resize_nearest(small, 1224, 816);
  SlicParams params;
  const int k = slic_requested_superpixels(params, (long long)image.pixel_count());
  std::printf("\n== SLIC on %dx%d (%.2f MP), K=%d, m=10, 10 iterations, best of %d ==\n",
              image.width, image.height, image.pixel_count() / 1e6, k, repeat);
  int ours_count = 0;
  const double ours_1 = time_best(repeat, [&] {
    ours_count = slic(image, params, Context{1, nullptr}).count;
  });
  const double ours_2 = time_best(repeat, [&] { slic(image, params, Context{2, nullptr}); });
  std::printf("supercolor slic: 1 thread %.3fs, 2 threads %.3fs (%d superpixels)\n", ours_1, ours_2,
              ours_count);
#ifdef SUPERCOLOR_HAVE_OPENCV
  cv::Mat bgr(image.height, image.width, CV_8UC3);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < 3; ++c)
        bgr.at<cv::Vec3b>(y, x)[2 - c] = cv::saturate_cast<uint8_t>(
            image.rgb[3 * (std::size_t(y) * image.width + x) + c] * 255.0f);
  const int region = int(std::lround(std::sqrt(double(image.pixel_count()) / k)));
  int cv_count = 0;
  cv::setNumThreads(1);
  const double cv_1 = time_best(repeat, [&] {
    cv::Mat lab;
    cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);  // OpenCV's SLIC clusters whatever it is given
    auto slic_cv = cv::ximgproc::createSuperpixelSLIC(lab, cv::ximgproc::SLIC, region, 10.0f);
    slic_cv->iterate(10);
    slic_cv->enforceLabelConnectivity(25);
    cv_count = slic_cv->getNumberOfSuperpixels();
  });
  cv::setNumThreads(2);
  const double cv_2 = time_best(repeat, [&] {
    cv::Mat lab;
    cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
    auto slic_cv = cv::ximgproc::createSuperpixelSLIC(lab, cv::ximgproc::SLIC, region, 10.0f);
    slic_cv->iterate(10);
    slic_cv->enforceLabelConnectivity(25);
  });
  std::printf(
      "opencv ximgproc SLIC (region %d): 1 thread %.3fs, 2 threads %.3fs (%d superpixels)\n",
      region, cv_1, cv_2, cv_count);
  std::printf(
      "ratio supercolor/opencv: 1 thread %.2f, 2 threads %.2f (below 1 = supercolor faster)\n",
      ours_1 / cv_1, ours_2 / cv_2);
#else
  std::printf(
      "(OpenCV not found at build time: install libopencv-contrib-dev and rebuild for the "
      "comparison)\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  bool transparency_only = false;
  for (int i = 1; i < argc; ++i) {
    if (i + 1 < argc && std::strcmp(argv[i], "--repeat") == 0) {
      repeat = std::max(1, std::atoi(argv[i + 1]));
    }
    if (std::strcmp(argv[i], "--transparency") == 0) transparency_only = true;
  }
  try {
    const reference::Vgg19Reference vgg;
    bench_transparency("01_pitie_scotland", vgg, repeat);
    if (transparency_only) return 0;
    bench_stages("01_pitie_scotland", vgg, repeat);
    bench_stages("14_kodak_kodim01_kodim08_buildings", vgg, repeat);
    bench_fusion("01_pitie_scotland");
    bench_fusion("14_kodak_kodim01_kodim08_buildings");
    bench_slic_vs_opencv(repeat);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_core: %s\n", e.what());
    return 1;
  }
  return 0;
}
