// Native command line: the whole method on two image files, features from the reference
// VGG-19 convolution. For development, tests and benchmarks; users get the Node CLI.
// With --features-target/--features-reference the features are read instead from DIR/LAYER.npy
// (C x Hs x Ws float32, one file per layer of --layers; e.g. ONNX Runtime's maps), so the
// package's output can be compared with the native pipeline given the same features.
//
//   supercolor_native TARGET REFERENCE -o OUT.png [--threads N] [--superpixels K] [--tau T]
//                     [--sigma-g S] [--fusion-radius R|inf] [--layers a,b] [--no-regrain]
//                     [--direct OUT.png] [--fused OUT.png] [--fused-npy OUT.npy]
//                     [--regrain-mode robust|pitie|none]
//                     [--features-target DIR --features-reference DIR]
//   supercolor_native features IMAGE LAYER OUT.npy [--crop X,Y,W,H]   (C x H x W float32)
//   supercolor_native regrain TARGET FUSED.npy OUT.png [--regrain-mode M] [--threads N]
// --regrain-mode runs that regrain on the pipeline's fused image (instead of the pipeline's own
// regrain stage); --fused-npy saves the fused image (3 x H x W float32, RGB planes), which the
// `regrain` command regrains again without rerunning the method (tools/eval-regrain.sh).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>

#include "core/error.h"
#include "io/image_io.h"
#include "native_pipeline.h"

using namespace supercolor;

namespace {

int usage() {
  std::cerr << "usage: supercolor_native TARGET REFERENCE -o OUT.png [--threads N] "
               "[--PARAMETER VALUE]... [--no-regrain] [--direct OUT.png] [--fused OUT.png]\n"
               "  parameters (kebab-case of the package's names, see src/core/params.cpp):";
  for (const ParamSpec& spec : param_specs()) std::cerr << " --" << kebab_case(spec.name);
  std::cerr << "\n"
               "                         [--fused-npy OUT.npy] [--regrain-mode M (= --regrain M)]\n"
               "                         [--features-target DIR --features-reference DIR]"
               "  (DIR/LAYER.npy: C x H x W float32)\n"
               "       supercolor_native features IMAGE LAYER OUT.npy [--crop X,Y,W,H]\n"
               "       supercolor_native regrain TARGET FUSED.npy OUT.png [--regrain-mode M] "
               "[--threads N]\n";
  return 2;
}

// The parameter whose kebab-case flag is `flag` ("--delta-s" -> deltaS), or nullptr.
const ParamSpec* param_for_flag(const std::string& flag) {
  for (const ParamSpec& spec : param_specs()) {
    if (flag == "--" + kebab_case(spec.name)) return &spec;
  }
  return nullptr;
}

double parse_number(const std::string& flag, const std::string& text) {
  if (text == "inf" || text == "Infinity") return std::numeric_limits<double>::infinity();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') {
    throw Error(ErrorCode::kInvalidArgument, flag + " expects a number, got '" + text + "'");
  }
  return value;
}

int features_command(int argc, char** argv) {
  if (argc < 5) return usage();
  RgbImage image = to_rgb(read_image_file(argv[2]));
  const std::string layer = argv[3], out = argv[4];
  if (argc >= 7 && std::string(argv[5]) == "--crop") {
    int x = 0, y = 0, w = 0, h = 0;
    if (std::sscanf(argv[6], "%d,%d,%d,%d", &x, &y, &w, &h) != 4 || x < 0 || y < 0 || w < 1 ||
        h < 1 || x + w > image.width || y + h > image.height) {
      throw Error(ErrorCode::kInvalidArgument, "bad --crop " + std::string(argv[6]));
    }
    RgbImage cropped{w, h, std::vector<float>(3 * std::size_t(w) * h)};
    for (int r = 0; r < h; ++r) {
      std::copy_n(&image.rgb[3 * (std::size_t(y + r) * image.width + x)], 3 * w,
                  &cropped.rgb[3 * std::size_t(r) * w]);
    }
    image = std::move(cropped);
  }
  const reference::Vgg19Reference vgg;
  const reference::FeatureMap map = vgg.features(image, layer, Context{2, nullptr});
  reference::write_npy(
      out, map.data.data(),
      {std::size_t(map.channels), std::size_t(map.height), std::size_t(map.width)});
  return 0;
}

// Planar 3 x H x W copy of an interleaved image, and back.
std::vector<float> rgb_planes(const RgbImage& image) {
  const std::size_t n = image.pixel_count();
  std::vector<float> planes(3 * n);
  for (std::size_t p = 0; p < n; ++p) {
    for (int c = 0; c < 3; ++c) planes[c * n + p] = image.rgb[3 * p + c];
  }
  return planes;
}

RgbImage rgb_from_planes(const reference::FeatureMap& map) {
  if (map.channels != 3) {
    throw Error(ErrorCode::kInvalidArgument,
                "fused .npy must hold 3 planes, got " + std::to_string(map.channels));
  }
  RgbImage image{map.width, map.height, std::vector<float>(map.data.size())};
  const std::size_t n = image.pixel_count();
  for (std::size_t p = 0; p < n; ++p) {
    for (int c = 0; c < 3; ++c) image.rgb[3 * p + c] = map.data[c * n + p];
  }
  return image;
}

// Regrain with `mode`, timed on stdout, then clamp to [0,1] as the pipeline does.
RgbImage timed_regrain(RegrainMode mode, const RgbImage& target, const RgbImage& fused,
                       const RegrainParams& params, int threads) {
  const auto start = std::chrono::steady_clock::now();
  RgbImage out = regrain_with_mode(mode, target, fused, params, Context{threads, nullptr});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("regrain %s: %dx%d in %.3fs\n", regrain_mode_name(mode), target.width, target.height,
              seconds);
  for (float& value : out.rgb) value = std::clamp(value, 0.0f, 1.0f);
  return out;
}

int regrain_command(int argc, char** argv) {
  if (argc < 5) return usage();
  RegrainMode mode = RegrainMode::kRobust;
  int threads = 2;
  for (int i = 5; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) throw Error(ErrorCode::kInvalidArgument, arg + " needs a value");
    if (arg == "--regrain-mode")
      mode = parse_regrain_mode(argv[++i]);
    else if (arg == "--threads")
      threads = int(parse_number(arg, argv[++i]));
    else
      throw Error(ErrorCode::kInvalidArgument, "unknown option " + arg);
  }
  const Rgba8Image target8 = read_image_file(argv[2]);
  const RgbImage fused = rgb_from_planes(reference::read_feature_npy(argv[3]));
  write_png_file(
      argv[4],
      to_rgba8(timed_regrain(mode, to_rgb(target8), fused, RegrainParams{}, threads), &target8));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && std::string(argv[1]) == "features") return features_command(argc, argv);
    if (argc >= 2 && std::string(argv[1]) == "regrain") return regrain_command(argc, argv);
    std::string target_path, reference_path, out_path, direct_path, fused_path, fused_npy_path;
    std::string features_target_dir, features_reference_dir;
    Params params;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw Error(ErrorCode::kInvalidArgument, arg + " needs a value");
        return argv[++i];
      };
      if (arg == "-o" || arg == "--output")
        out_path = value();
      else if (arg == "--threads")
        params.threads = int(parse_number(arg, value()));
      else if (arg == "--no-regrain")
        set_param(params, "regrain", ParamValue::of(std::string("none")));
      else if (arg == "--direct")
        direct_path = value();
      else if (arg == "--fused")
        fused_path = value();
      else if (arg == "--fused-npy")
        fused_npy_path = value();
      else if (arg == "--regrain-mode") {
        set_param(params, "regrain", ParamValue::of(value()));
      } else if (arg == "--features-target")
        features_target_dir = value();
      else if (arg == "--features-reference")
        features_reference_dir = value();
      else if (const ParamSpec* spec = param_for_flag(arg)) {
        set_param_from_text(params, spec->name, value());
      } else if (arg == "-h" || arg == "--help") {
        usage();
        return 0;
      } else if (!arg.empty() && arg[0] == '-') {
        throw Error(ErrorCode::kInvalidArgument, "unknown option " + arg);
      } else if (target_path.empty())
        target_path = arg;
      else if (reference_path.empty())
        reference_path = arg;
      else
        throw Error(ErrorCode::kInvalidArgument, "unexpected argument " + arg);
    }
    if (target_path.empty() || reference_path.empty() || out_path.empty()) return usage();
    if (out_path == target_path || out_path == reference_path) {
      throw Error(ErrorCode::kInvalidArgument, "refusing to overwrite an input: " + out_path);
    }

    if (features_target_dir.empty() != features_reference_dir.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--features-target and --features-reference go together");
    }

    Pipeline pipeline(params, read_image_file(target_path), read_image_file(reference_path));
    reference::StageTimings timings;
    if (features_target_dir.empty()) {
      const reference::Vgg19Reference vgg;
      reference::run_pipeline(pipeline, vgg, &timings);
    } else {
      reference::run_pipeline(
          pipeline,
          [&](Side side, const std::string& layer) {
            const std::string& dir =
                side == Side::kTarget ? features_target_dir : features_reference_dir;
            return reference::read_feature_npy(dir + "/" + layer + ".npy");
          },
          &timings);
    }
    write_png_file(out_path, pipeline.output());
    if (!fused_npy_path.empty()) {
      const RgbImage& fused = pipeline.fused();
      reference::write_npy(fused_npy_path, rgb_planes(fused).data(),
                           {3, std::size_t(fused.height), std::size_t(fused.width)});
    }
    if (!direct_path.empty()) {
      write_png_file(direct_path, to_rgba8(paint_superpixels(pipeline.segmentation(Side::kTarget),
                                                             pipeline.direct_colors().data())));
    }
    if (!fused_path.empty()) write_png_file(fused_path, to_rgba8(pipeline.fused()));
    std::printf(
        "%s: %dx%d, %d/%d superpixels; segment %.3fs features %.3fs match %.3fs "
        "fuse %.3fs regrain %.3fs upsample %.3fs (total %.3fs)\n",
        out_path.c_str(), pipeline.image(Side::kTarget).width, pipeline.image(Side::kTarget).height,
        pipeline.segmentation(Side::kTarget).count, pipeline.segmentation(Side::kReference).count,
        timings.segment, timings.features, timings.match, timings.fuse, timings.regrain,
        timings.upsample, timings.total());
    return 0;
  } catch (const Error& e) {
    std::cerr << "supercolor_native: " << error_code_name(e.code()) << ": " << e.what() << "\n";
    return e.code() == ErrorCode::kInvalidArgument ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "supercolor_native: " << e.what() << "\n";
    return 1;
  }
}
