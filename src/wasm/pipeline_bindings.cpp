// The staged Pipeline (core/pipeline.h) bound for JS: a thin layer, no logic of the method.
// JS API (side: 0 = target, 1 = reference):
//   new Pipeline(params, threads, targetRgba, targetWidth, targetHeight, referenceRgba, refWidth,
//                refHeight)
//     params: {name: value} read through the core's parameter table (params_bindings.h), every
//             field optional, unknown names rejected;
//     threads: limited to maxThreads() (results do not depend on it).
//   .updateParams(params) -> first stage to run again ("segment": make a new Pipeline)
//   .setProgress(fn(stageName, fraction) | null)  called on the calling thread; whatever fn
//     throws ends the call early and is rethrown as is (each stage is then done or not done).
//   .segment() .labels(side) .superpixelCount(side) .meanColors(side)
//   .featureMapHeight(side, layer) .featureMapWidth(side, layer) .featureChannels(layer)
//   .addFeatureTile(side, layer, y0, x0, rows, cols, data, rowStride, planeStride)
//   .featuresComplete() .match() .directColors() .superfeatures(side) .superfeatureChannels()
//   .attentionRows(begin, end) .fuse() .fused() .finish() .result() .resultRgba() .upsample()
//   .output() .outputWidth() .outputHeight() .analysisWidth(side) .analysisHeight(side)
//   .analysisPlanarRgb(side) .analysisRgba(side)
//   .paintSuperpixels(side, colors) .fitLut(size) .threads() .delete()
// Every method throws a JS Error with .code (errors.h) for bad arguments or a failed stage.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/cube.h"
#include "core/error.h"
#include "core/fusion.h"
#include "core/layers.h"
#include "core/lut.h"
#include "core/params.h"
#include "core/pipeline.h"
#include "wasm/conversions.h"
#include "wasm/errors.h"
#include "wasm/params_bindings.h"
#include "wasm/threads.h"

namespace supercolor::wasm {
namespace {

using emscripten::val;

class JsPipeline {
 public:
  static JsPipeline* create(val params, int threads, val target, int target_width,
                            int target_height, val reference, int reference_width,
                            int reference_height) {
    return guarded([&] {
      Params p = params_from_js(params);
      // Validated as given, then limited to what the build can run (the result does not
      // depend on the thread count).
      p.threads = threads;
      validate_params(p);
      p.threads = std::min(p.threads, max_threads());
      Rgba8Image target_rgba = rgba_from_js(target, target_width, target_height, "target");
      Rgba8Image reference_rgba =
          rgba_from_js(reference, reference_width, reference_height, "reference");
      return new JsPipeline(p, std::move(target_rgba), std::move(reference_rgba));
    });
  }

  // Other parameters for the same pair (Pipeline::update_params): returns the name of the first
  // stage to run again; "segment" means nothing could be kept (make a new Pipeline).
  std::string update_params(val params) {
    return guarded([&] {
      Params p = params_from_js(params);
      p.threads = pipeline_.params().threads;
      return std::string(stage_name(pipeline_.update_params(p)));
    });
  }

  void set_progress(val callback) {
    guarded([&] {
      if (callback.isUndefined() || callback.isNull()) {
        pipeline_.set_progress(nullptr);
        return;
      }
      if (callback.typeOf().as<std::string>() != "function") {
        invalid("setProgress expects a function or null");
      }
      pipeline_.set_progress([callback](Stage stage, double fraction) {
        call_js_progress(callback, stage_name(stage), fraction);
      });
    });
  }

  void segment() {
    guarded([&] { pipeline_.segment(); });
  }

  val labels(int side) {
    return guarded([&] { return copy_out(pipeline_.segmentation(side_from_js(side)).labels); });
  }
  int superpixel_count(int side) {
    return guarded([&] { return pipeline_.segmentation(side_from_js(side)).count; });
  }
  // Mean RGB of each superpixel (N x 3).
  val mean_colors(int side) {
    return guarded([&] {
      const std::vector<double>& mean = pipeline_.stats(side_from_js(side)).mean_rgb;
      return copy_out(std::vector<float>(mean.begin(), mean.end()));
    });
  }

  int feature_map_height(int side, int layer) {
    return guarded([&] { return pipeline_.feature_map_height(side_from_js(side), layer); });
  }
  int feature_map_width(int side, int layer) {
    return guarded([&] { return pipeline_.feature_map_width(side_from_js(side), layer); });
  }
  int feature_channels(int layer) {
    return guarded([&] { return layer_info(layer).channels; });
  }

  // data: channel-planar tile, data[c * planeStride + r * rowStride + col] (ONNX NCHW).
  void add_feature_tile(int side, int layer, int y0, int x0, int rows, int cols, val data,
                        double row_stride, double plane_stride) {
    guarded([&] {
      const Side s = side_from_js(side);
      const int channels = layer_info(layer).channels;
      const std::size_t rs = stride_from_js(row_stride, "rowStride");
      const std::size_t ps = stride_from_js(plane_stride, "planeStride");
      const std::vector<float> tile = copy_in<float>(data, "feature tile data");
      // The core reads (channels-1)*ps + (rows-1)*rs + cols floats; check the copy holds them
      // (empty or inconsistent tiles are left to the core to reject).
      if (rows >= 1 && cols >= 1 && rs >= static_cast<std::size_t>(cols) &&
          ps >= static_cast<std::size_t>(rows) * rs) {
        const unsigned long long needed = static_cast<unsigned long long>(channels - 1) * ps +
                                          static_cast<unsigned long long>(rows - 1) * rs +
                                          static_cast<unsigned long long>(cols);
        if (tile.size() < needed) {
          invalid("feature tile data has " + std::to_string(tile.size()) + " floats, needs " +
                  std::to_string(needed) + " (" + std::to_string(channels) + " channels)");
        }
      }
      pipeline_.add_feature_tile(s, layer, y0, x0, rows, cols, tile.empty() ? nullptr : tile.data(),
                                 rs, ps);
    });
  }
  bool features_complete() {
    return guarded([&] { return pipeline_.features_complete(); });
  }

  void match() {
    guarded([&] { pipeline_.match(); });
  }
  val direct_colors() {
    return guarded([&] { return copy_out(pipeline_.direct_colors()); });
  }
  val superfeatures(int side) {
    return guarded([&] { return copy_out(pipeline_.superfeatures(side_from_js(side))); });
  }
  int superfeature_channels() {
    return guarded([&] { return pipeline_.superfeature_channels(); });
  }
  val attention_rows(int begin, int end) {
    return guarded([&] { return copy_out(pipeline_.attention_rows(begin, end)); });
  }

  void fuse() {
    guarded([&] { pipeline_.fuse(); });
  }
  val fused() {
    return guarded([&] { return copy_out(pipeline_.fused().rgb); });
  }

  void finish() {
    guarded([&] { pipeline_.finish(); });
  }
  // The final image at the analysis size, float RGB (the preview when the target was reduced).
  val result() {
    return guarded([&] { return copy_out(pipeline_.result().rgb); });
  }
  // The same as RGBA8 with the target's alpha at the analysis size, for showing a preview.
  val result_rgba() {
    return guarded(
        [&] { return copy_out(with_coverage(to_rgba8(pipeline_.result()), Side::kTarget)); });
  }
  void upsample() {
    guarded([&] { pipeline_.upsample(); });
  }
  // The final image at the target's full size, RGBA8 with the target's alpha.
  val output() {
    return guarded([&] { return copy_out(pipeline_.output().rgba); });
  }
  int output_width() const { return pipeline_.output_width(); }
  int output_height() const { return pipeline_.output_height(); }
  // Size of the image a side is analysed at.
  int analysis_width(int side) {
    return guarded([&] { return pipeline_.image(side_from_js(side)).width; });
  }
  int analysis_height(int side) {
    return guarded([&] { return pipeline_.image(side_from_js(side)).height; });
  }
  // The analysis image of a side as channel-planar float RGB (3 x H x W), the feature model's
  // input.
  val analysis_planar_rgb(int side) {
    return guarded([&] {
      const RgbImage& image = pipeline_.image(side_from_js(side));
      const std::size_t n = image.pixel_count();
      std::vector<float> planar(3 * n);
      for (std::size_t p = 0; p < n; ++p) {
        for (int c = 0; c < 3; ++c) planar[c * n + p] = image.rgb[3 * p + c];
      }
      return copy_out(planar);
    });
  }
  // The analysis image of a side as RGBA8 (with its alpha at that size), for intermediates.
  val analysis_rgba(int side) {
    return guarded([&] {
      const Side s = side_from_js(side);
      return copy_out(with_coverage(to_rgba8(pipeline_.image(s)), s));
    });
  }

  // Each pixel of a side painted with its superpixel's colour (colors: N x 3) as float RGB.
  val paint_superpixels(int side, val colors) {
    return guarded([&] {
      const Segmentation& seg = pipeline_.segmentation(side_from_js(side));
      const std::vector<float> c = copy_in<float>(colors, "colors");
      if (c.size() != 3ULL * seg.count) {
        invalid("colors has " + std::to_string(c.size()) + " floats, expected 3 x " +
                std::to_string(seg.count));
      }
      return copy_out(supercolor::paint_superpixels(seg, c.data()).rgb);
    });
  }

  // A 3D LUT of the transfer as .cube text with its fit error (Pipeline::fit_lut), after finish():
  // {cube: string, size, meanDeltaE2000, p95DeltaE2000}.
  val fit_lut(int size) {
    return guarded([&] {
      LutFitParams params;
      params.size = size;
      validate_lut_fit_params(params);
      const Pipeline::FittedLut fitted = pipeline_.fit_lut(params);
      val out = val::object();
      Lut lut = fitted.lut;
      lut.title = "supercolor colour transfer";
      out.set("cube", write_cube(lut));
      out.set("size", size);
      out.set("meanDeltaE2000", fitted.error.mean);
      out.set("p95DeltaE2000", fitted.error.p95);
      return out;
    });
  }

  int threads() const { return pipeline_.params().threads; }

 private:
  JsPipeline(const Params& params, Rgba8Image target, Rgba8Image reference)
      : pipeline_(params, std::move(target), std::move(reference)) {
    pipeline_.set_cancel_flag(&cancel_flag());
  }

  // The RGBA bytes of an analysis-size image with the alpha of that side's analysis image
  // (round(255 * coverage)), so a transparent photo's preview is transparent where it is, and
  // not painted with the fill that hides its transparent pixels from the method (alpha.h).
  std::vector<uint8_t> with_coverage(Rgba8Image image, Side side) const {
    const std::vector<float>& coverage = pipeline_.coverage(side);
    if (coverage.size() == image.pixel_count()) {
      for (std::size_t p = 0; p < coverage.size(); ++p) {
        image.rgba[4 * p + 3] = static_cast<uint8_t>(std::lround(255.0f * coverage[p]));
      }
    }
    return std::move(image.rgba);
  }

  const LayerInfo& layer_info(int layer) const {
    const auto& layers = pipeline_.params().layers;
    if (layer < 0 || layer >= static_cast<int>(layers.size())) {
      invalid("layer index " + std::to_string(layer) + " out of range");
    }
    return *find_layer(layers[layer]);
  }

  Pipeline pipeline_;
};

}  // namespace
}  // namespace supercolor::wasm

EMSCRIPTEN_BINDINGS(supercolor_pipeline) {
  using namespace emscripten;
  using supercolor::wasm::JsPipeline;
  class_<JsPipeline>("Pipeline")
      .constructor(&JsPipeline::create, allow_raw_pointers())
      .function("setProgress", &JsPipeline::set_progress)
      .function("updateParams", &JsPipeline::update_params)
      .function("segment", &JsPipeline::segment)
      .function("labels", &JsPipeline::labels)
      .function("superpixelCount", &JsPipeline::superpixel_count)
      .function("meanColors", &JsPipeline::mean_colors)
      .function("featureMapHeight", &JsPipeline::feature_map_height)
      .function("featureMapWidth", &JsPipeline::feature_map_width)
      .function("featureChannels", &JsPipeline::feature_channels)
      .function("addFeatureTile", &JsPipeline::add_feature_tile)
      .function("featuresComplete", &JsPipeline::features_complete)
      .function("match", &JsPipeline::match)
      .function("directColors", &JsPipeline::direct_colors)
      .function("superfeatures", &JsPipeline::superfeatures)
      .function("superfeatureChannels", &JsPipeline::superfeature_channels)
      .function("attentionRows", &JsPipeline::attention_rows)
      .function("fuse", &JsPipeline::fuse)
      .function("fused", &JsPipeline::fused)
      .function("finish", &JsPipeline::finish)
      .function("result", &JsPipeline::result)
      .function("resultRgba", &JsPipeline::result_rgba)
      .function("upsample", &JsPipeline::upsample)
      .function("output", &JsPipeline::output)
      .function("outputWidth", &JsPipeline::output_width)
      .function("outputHeight", &JsPipeline::output_height)
      .function("analysisWidth", &JsPipeline::analysis_width)
      .function("analysisHeight", &JsPipeline::analysis_height)
      .function("analysisPlanarRgb", &JsPipeline::analysis_planar_rgb)
      .function("analysisRgba", &JsPipeline::analysis_rgba)
      .function("paintSuperpixels", &JsPipeline::paint_superpixels)
      .function("fitLut", &JsPipeline::fit_lut)
      .function("threads", &JsPipeline::threads);
}
