// Benchmarks of the grading features of issue 10. Prints, never asserts:
//  - for every dev pair: the native pipeline once (reference VGG features), then 3D LUTs of
//    size 17 / 33 / 65 fitted to (target, result): fit time, and how well the LUT reproduces the
//    spatially varying result (mean and 95th-percentile CIEDE2000, trilinear and tetrahedral);
//  - the CG iteration cap per level against fit error and time (why the default);
//  - the smoothness weight lambda against fit error on two pairs (why the default);
//  - LUT fit time at 24 MP (a target upscaled), showing the histogram reduction;
//  - frame-to-frame flicker on generated 30-frame pans with exposure drift: consistent (key
//    frame -> LUT), pooled LUT, independent per-frame transfer.
//
//   bench_lut [--threads N] [--quick]   (--quick: two pairs, no 24 MP run)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "core/lut.h"
#include "core/pipeline.h"
#include "frame_sequence.h"
#include "io/image_io.h"
#include "native_pipeline.h"

using namespace supercolor;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string shared_pairs() { return std::string(SUPERCOLOR_SHARED_DIR) + "/testdata/pairs"; }

std::vector<std::string> pair_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(shared_pairs())) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

RgbImage load(const std::string& pair, const std::string& which) {
  for (const char* ext : {".png", ".jpg"}) {
    const std::string path = shared_pairs() + "/" + pair + "/" + which + ext;
    if (std::filesystem::exists(path)) return to_rgb(read_image_file(path));
  }
  throw std::runtime_error("no " + which + " image in " + pair);
}

void bench_pairs(const std::vector<std::string>& pairs, int threads,
                 const reference::Vgg19Reference& vgg,
                 std::vector<std::pair<RgbImage, RgbImage>>* kept) {
  std::printf("\n== LUT fit per dev pair (lambda %.0e, %d threads for pipeline / error) ==\n",
              LutFitParams{}.smoothness, threads);
  std::printf("%-40s %5s %8s %8s %8s %8s %8s\n", "pair (pipeline s)", "size", "fit s", "tri mean",
              "tri p95", "tet mean", "tet p95");
  const Context ctx{threads, nullptr};
  for (const std::string& pair : pairs) {
    const RgbImage target = load(pair, "target");
    const RgbImage reference = load(pair, "reference");
    Params params;
    params.threads = threads;
    Pipeline pipeline(params, target, reference);
    const auto start = Clock::now();
    reference::run_pipeline(pipeline, vgg, nullptr);
    const double pipeline_s = seconds_since(start);
    const RgbImage result = pipeline.result();
    for (int size : kLutSizes) {
      LutFitParams fit;
      fit.size = size;
      const auto fit_start = Clock::now();
      const Lut lut = fit_lut(target, result, fit);
      const double fit_s = seconds_since(fit_start);
      const LutFitError tri = lut_fit_error(lut, target, result, LutInterpolation::kTrilinear, ctx);
      const LutFitError tet =
          lut_fit_error(lut, target, result, LutInterpolation::kTetrahedral, ctx);
      char label[64];
      std::snprintf(label, sizeof label, "%.30s (%.1f)", pair.c_str(), pipeline_s);
      std::printf("%-40s %5d %8.3f %8.3f %8.3f %8.3f %8.3f\n", size == 17 ? label : "", size, fit_s,
                  tri.mean, tri.p95, tet.mean, tet.p95);
    }
    if (kept != nullptr && kept->size() < 2) kept->emplace_back(target, result);
  }
}

void bench_smoothness(const std::vector<std::pair<RgbImage, RgbImage>>& pairs, int threads) {
  std::printf("\n== smoothness lambda vs fit error (size 33, trilinear) ==\n");
  std::printf("%-6s %8s %8s %8s %8s\n", "pair", "lambda", "fit s", "mean", "p95");
  const Context ctx{threads, nullptr};
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    for (double lambda : {1e-8, 1e-7, 1e-6, 1e-5, 1e-4}) {
      LutFitParams fit;
      fit.smoothness = lambda;
      const auto start = Clock::now();
      const Lut lut = fit_lut(pairs[i].first, pairs[i].second, fit);
      const double fit_s = seconds_since(start);
      const LutFitError e =
          lut_fit_error(lut, pairs[i].first, pairs[i].second, LutInterpolation::kTrilinear, ctx);
      std::printf("%-6zu %8.0e %8.3f %8.3f %8.3f\n", i, lambda, fit_s, e.mean, e.p95);
    }
  }
}

void bench_iterations(const std::pair<RgbImage, RgbImage>& pair, int threads) {
  std::printf("\n== CG iteration cap per level vs fit error and time (trilinear) ==\n");
  std::printf("%-5s %6s %8s %8s %8s %8s\n", "size", "cap", "wall s", "cpu s", "mean", "p95");
  const Context ctx{threads, nullptr};
  for (int size : {33, 65}) {
    for (int cap : {25, 100, 400}) {
      LutFitParams fit;
      fit.size = size;
      fit.max_iterations = cap;
      const auto start = Clock::now();
      const std::clock_t cpu_start = std::clock();
      const Lut lut = fit_lut(pair.first, pair.second, fit);
      const double cpu_s = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      const double wall_s = seconds_since(start);
      const LutFitError e =
          lut_fit_error(lut, pair.first, pair.second, LutInterpolation::kTrilinear, ctx);
      std::printf("%-5d %6d %8.3f %8.3f %8.3f %8.3f\n", size, cap, wall_s, cpu_s, e.mean, e.p95);
    }
  }
}

void bench_large(const std::pair<RgbImage, RgbImage>& pair, int threads) {
  // 24 MP: 6000 x 4000, nearest-neighbour upscale of a (target, result) pair.
  const RgbImage target = reference::resize_nearest(pair.first, 6000, 4000);
  const RgbImage result = reference::resize_nearest(pair.second, 6000, 4000);
  std::printf("\n== 24 MP (6000x4000) ==\n");
  auto start = Clock::now();
  LutFitSamples samples;
  samples.add(target, result);
  const double binning_s = seconds_since(start);
  for (int size : kLutSizes) {
    LutFitParams fit;
    fit.size = size;
    start = Clock::now();
    const Lut lut = fit_lut(samples, fit);
    const double solve_s = seconds_since(start);
    start = Clock::now();
    const RgbImage applied =
        apply_lut(lut, target, LutInterpolation::kTetrahedral, Context{threads, nullptr});
    const double apply_s = seconds_since(start);
    std::printf(
        "size %2d: histogram %.3fs (once), solve %.3fs, apply (tetrahedral, %d threads) %.3fs\n",
        size, binning_s, solve_s, threads, apply_s);
  }
}

void bench_sequences(const reference::Vgg19Reference& vgg, int threads) {
  std::printf(
      "\n== flicker, 30-frame pans (64x64, exposure +-4%%), mean Delta E 2000 between "
      "consecutive frames ==\n");
  std::printf("%-40s %8s %11s %11s %11s %8s\n", "photo (aligned | plain)", "input", "key frame",
              "pooled LUT", "independent", "time s");
  for (const char* pair :
       {"07_kodak_kodim16_kodim12_island_beach", "08_kodak_kodim22_kodim13_barn_stream",
        "14_kodak_kodim01_kodim08_buildings"}) {
    const RgbImage photo = load(pair, "target");
    const RgbImage full_reference = load(pair, "reference");
    const RgbImage reference = reference::resize_nearest(
        full_reference, 96, 96 * full_reference.height / full_reference.width);
    const reference::PanSequence pan = reference::make_pan_sequence(photo, 30, 64, 64, 0.04);
    Params params;
    params.threads = threads;
    const LutFitParams lut_params;
    auto start = Clock::now();
    const auto consistent = reference::transfer_consistent_key_frame(pan.frames, 15, reference,
                                                                     params, lut_params, vgg);
    const double consistent_s = seconds_since(start);
    start = Clock::now();
    const auto independent = reference::transfer_independent(pan.frames, reference, params, vgg);
    const double independent_s = seconds_since(start);
    const auto pooled =
        reference::transfer_consistent_pooled(pan.frames, independent, lut_params, threads);
    for (bool aligned : {true, false}) {
      const std::vector<int>* offsets = aligned ? &pan.offsets : nullptr;
      const double input = reference::mean_consecutive_delta_e(pan.frames, offsets);
      std::printf("%-40.40s %8.3f %+11.3f %+11.3f %+11.3f", aligned ? pair : "", input,
                  reference::mean_consecutive_delta_e(consistent, offsets) - input,
                  reference::mean_consecutive_delta_e(pooled, offsets) - input,
                  reference::mean_consecutive_delta_e(independent, offsets) - input);
      if (aligned) {
        std::printf("  %.1f vs %.1f\n", consistent_s, independent_s);
      } else {
        std::printf("  (plain)\n");
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  int threads = 2;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: bench_lut [--threads N] [--quick]\n");
      return 2;
    }
  }
  try {
    const reference::Vgg19Reference vgg;
    std::vector<std::string> pairs = pair_names();
    if (quick) pairs.resize(std::min<std::size_t>(pairs.size(), 2));
    std::vector<std::pair<RgbImage, RgbImage>> kept;
    bench_pairs(pairs, threads, vgg, &kept);
    if (!kept.empty()) bench_iterations(kept.front(), threads);
    bench_smoothness(kept, threads);
    if (!quick && !kept.empty()) bench_large(kept.front(), threads);
    bench_sequences(vgg, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_lut: %s\n", e.what());
    return 1;
  }
  return 0;
}
