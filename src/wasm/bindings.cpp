// Embind bindings of the core and io (method.md §2): thin, no logic of the method.
//
// What lives here: conversion between JS values and the core's types (typed arrays are copied
// in and out, never exposed as views of the wasm heap), checks that keep those copies inside
// their buffers, and the mapping of C++ exceptions to JS errors:
//   supercolor::Error  -> Error with .code = error_code_name(code), .message = the core's message
//   std::bad_alloc     -> Error with .code = "out_of_memory"
//   other exceptions   -> Error with .code = "internal"
// The module stays usable after an error. The throw itself happens in JS, after the wasm call
// has returned (src/wasm/bindings-pre.js).
//
// JS API (side: 0 = target, 1 = reference):
//   new Pipeline(params, threads, targetRgba, targetWidth, targetHeight, referenceRgba, refWidth,
//                refHeight)
//     params: {name: value} read through the core's parameter table (src/core/params.cpp;
//             paramSchema() returns it as JSON), every field optional, unknown names rejected;
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
//   decodeImage(bytes) encodePng(rgba, w, h) encodeJpeg(rgba, w, h, quality) rgbToRgba(rgb, w, h)
//   maxThreads()  1 + the pthread pool size (createSupercolorModule({pthreadPoolSize})); 1
//                 in the build without threads
//   cancelFlagAddress() resetCancel()  byte offset in wasm memory (HEAP8) of the flag every
//                 Pipeline polls; another thread raises it with Atomics.store (threaded build)
//   applyCube(cubeText, rgba, w, h, 'tetrahedral' | 'trilinear')
//   version() paramSchema() errorCodes()
#include <emscripten/bind.h>
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/cube.h"
#include "core/error.h"
#include "core/fusion.h"
#include "core/layers.h"
#include "core/params.h"
#include "core/pipeline.h"
#include "io/image_io.h"

#ifndef SUPERCOLOR_VERSION
#define SUPERCOLOR_VERSION "0.0.0"
#endif

// Records a JS Error (message, .code) for the wrapper that src/wasm/bindings-pre.js puts around
// every bound call; that wrapper throws it once the wasm call has returned.
EM_JS(void, supercolor_record_error, (const char* code, const char* message), {
  var error = new Error(UTF8ToString(message));
  error.code = UTF8ToString(code);
  supercolorPendingError = error;
});

// Calls a JS progress callback; if it throws, records what it threw (as supercolor_record_error
// does) and returns 1, so the C++ stage unwinds normally and the bound call rethrows it.
EM_JS(int, supercolor_call_progress,
      (emscripten::EM_VAL callback, const char* stage, double fraction), {
        try {
          Emval.toValue(callback)(UTF8ToString(stage), fraction);
          return 0;
        } catch (e) {
          supercolorPendingError = e;
          return 1;
        }
      });

namespace supercolor {
namespace {

// Thrown through the core when a JS callback threw; the JS exception is already recorded.
struct JsCallbackThrew {};

using emscripten::val;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

template <typename R>
R failed_value() {
  return R();
}
template <>
val failed_value<val>() {
  return val::undefined();
}

// Runs f; a C++ exception becomes a JS Error. The exception is caught here and the call returns
// normally with a placeholder value (every destructor runs, no wasm stack or emval handle is
// leaked); the JS wrapper then throws the recorded Error.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  const char* code = "internal";
  std::string message;
  try {
    return f();
  } catch (const JsCallbackThrew&) {
    return failed_value<decltype(f())>();  // rethrown as it was by the JS wrapper
  } catch (const Error& e) {
    code = error_code_name(e.code());
    message = e.what();
  } catch (const std::bad_alloc&) {
    code = "out_of_memory";
    message = "out of memory";
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown C++ exception";
  }
  supercolor_record_error(code, message.c_str());
  return failed_value<decltype(f())>();
}

// ---- JS values -> C++ ------------------------------------------------------------------------

bool is_array(const val& v) { return val::global("Array").call<bool>("isArray", v); }

// A JS value as a ParamValue (numbers, booleans, strings, arrays of numbers or of strings); its
// range and meaning are checked by the core's table (set_param).
ParamValue param_value_from_js(const val& v, const std::string& name) {
  const std::string type = v.typeOf().as<std::string>();
  if (type == "number") return ParamValue::of(v.as<double>());
  if (type == "boolean") return ParamValue::of_bool(v.as<bool>());
  if (type == "string") return ParamValue::of(v.as<std::string>());
  if (is_array(v)) {
    const int n = v["length"].as<int>();
    bool strings = n > 0;
    for (int i = 0; i < n && strings; ++i) strings = v[i].typeOf().as<std::string>() == "string";
    if (strings) {
      std::vector<std::string> out;
      for (int i = 0; i < n; ++i) out.push_back(v[i].as<std::string>());
      return ParamValue::of(out);
    }
    std::vector<double> out;
    for (int i = 0; i < n; ++i) {
      if (v[i].typeOf().as<std::string>() != "number") {
        invalid("params." + name + "[" + std::to_string(i) + "] has the wrong type");
      }
      out.push_back(v[i].as<double>());
    }
    return ParamValue::of(out);
  }
  invalid("params." + name + " has the wrong type (" + type + ")");
}

// Reads a params object through the core's parameter table: every key must name a parameter.
Params params_from_js(const val& js) {
  Params params;
  if (js.isUndefined() || js.isNull()) return params;
  if (js.typeOf().as<std::string>() != "object") invalid("params must be an object");
  const val keys = val::global("Object").call<val>("keys", js);
  const int key_count = keys["length"].as<int>();
  for (int i = 0; i < key_count; ++i) {
    const std::string key = keys[i].as<std::string>();
    const val value = js[key];
    if (value.isUndefined()) continue;
    set_param(params, key, param_value_from_js(value, key));
  }
  return params;
}

// Copies a JS array-like of numbers (typed array preferred) into a vector.
template <typename T>
std::vector<T> copy_in(const val& array, const char* what) {
  if (array.isUndefined() || array.isNull() ||
      array["length"].typeOf().as<std::string>() != "number") {
    invalid(std::string(what) + " must be a typed array");
  }
  return emscripten::convertJSArrayToNumberVector<T>(array);
}

// A fresh JS typed array holding a copy of [data, data + size) (not a view of the heap).
template <typename T>
val copy_out(const T* data, std::size_t size) {
  return val(emscripten::typed_memory_view(size, data)).call<val>("slice");
}
template <typename T>
val copy_out(const std::vector<T>& v) {
  return copy_out(v.data(), v.size());
}

Rgba8Image rgba_from_js(const val& data, int width, int height, const char* what) {
  if (width < 0 || height < 0) invalid(std::string(what) + ": negative size");
  Rgba8Image image;
  image.width = width;
  image.height = height;
  image.rgba = copy_in<uint8_t>(data, what);
  const unsigned long long expected =
      4ULL * static_cast<unsigned>(width) * static_cast<unsigned>(height);
  if (image.rgba.size() != expected) {
    invalid(std::string(what) + ": " + std::to_string(image.rgba.size()) + " bytes for a " +
            std::to_string(width) + "x" + std::to_string(height) + " RGBA image (expected " +
            std::to_string(expected) + ")");
  }
  return image;
}

Side side_from_js(int side) {
  if (side != 0 && side != 1) invalid("side must be 0 (target) or 1 (reference)");
  return static_cast<Side>(side);
}

std::size_t stride_from_js(double v, const char* what) {
  if (!(v >= 0 && v == std::floor(v) && v <= 4294967295.0)) {
    invalid(std::string(what) + " must be a non-negative integer");
  }
  return static_cast<std::size_t>(v);
}

// Threads the build can run at once: the caller plus the pthread pool (whose size the JS side
// fixes when it creates the module: Module.pthreadPoolSize, see CMakeLists.txt); 1 without
// threads. parallel_for blocks on joins, so asking for more would deadlock on the pool.
int max_threads() {
#ifdef __EMSCRIPTEN_PTHREADS__
  const val pool = val::module_property("pthreadPoolSize");
  return pool.typeOf().as<std::string>() == "number" ? 1 + pool.as<int>() : 1;
#else
  return 1;
#endif
}

// The cancellation flag of every Pipeline of this module instance (one transfer runs at a time
// per worker). It lives in wasm memory so that, in the threaded build, whose memory is a
// SharedArrayBuffer, the thread that wants to cancel can raise it while this one is busy inside
// a stage: the core polls it between chunks (Pipeline::set_cancel_flag). A raised flag makes
// the running stage throw "cancelled". Internal to the package's worker protocol.
std::atomic<bool> cancel_requested{false};

// Byte offset of the flag in wasm memory (a static: its address never moves).
double cancel_flag_address() {
  return static_cast<double>(reinterpret_cast<uintptr_t>(&cancel_requested));
}
void reset_cancel() { cancel_requested.store(false); }

// ---- Pipeline --------------------------------------------------------------------------------

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
        if (supercolor_call_progress(callback.as_handle(), stage_name(stage), fraction) != 0) {
          throw JsCallbackThrew{};
        }
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
  // The same as RGBA8 (alpha 255), for showing a preview.
  val result_rgba() {
    return guarded([&] { return copy_out(to_rgba8(pipeline_.result()).rgba); });
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
  // The analysis image of a side as RGBA8 (alpha 255), for intermediates.
  val analysis_rgba(int side) {
    return guarded([&] { return copy_out(to_rgba8(pipeline_.image(side_from_js(side))).rgba); });
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
    pipeline_.set_cancel_flag(&cancel_requested);
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

// ---- free functions --------------------------------------------------------------------------

val decode_image_js(val bytes) {
  return guarded([&] {
    const std::vector<uint8_t> data = copy_in<uint8_t>(bytes, "bytes");
    const Rgba8Image image = decode_image(data.data(), data.size());
    val out = val::object();
    out.set("width", image.width);
    out.set("height", image.height);
    out.set("data", copy_out(image.rgba));
    return out;
  });
}

val encode_png_js(val rgba, int width, int height) {
  return guarded([&] { return copy_out(encode_png(rgba_from_js(rgba, width, height, "image"))); });
}

val encode_jpeg_js(val rgba, int width, int height, int quality) {
  return guarded(
      [&] { return copy_out(encode_jpeg(rgba_from_js(rgba, width, height, "image"), quality)); });
}

// Float RGB (3 x w x h, any range) -> RGBA8, clamped and rounded, alpha 255.
val rgb_to_rgba_js(val rgb, int width, int height) {
  return guarded([&] {
    if (width < 0 || height < 0) invalid("rgb: negative size");
    RgbImage image;
    image.width = width;
    image.height = height;
    image.rgb = copy_in<float>(rgb, "rgb");
    if (image.rgb.size() != 3ULL * static_cast<unsigned>(width) * static_cast<unsigned>(height)) {
      invalid("rgb has " + std::to_string(image.rgb.size()) + " floats for a " +
              std::to_string(width) + "x" + std::to_string(height) + " image");
    }
    return copy_out(to_rgba8(image).rgba);
  });
}

// Applies a .cube LUT (text, 1D or 3D; cube.h) to RGBA8 pixels: interpolation "tetrahedral"
// (ffmpeg's default) or "trilinear"; alpha kept; clamped and rounded to 8 bits.
// Errors: invalid_lut naming the line for malformed text, invalid_argument for bad sizes.
val apply_cube_js(std::string cube, val rgba, int width, int height, std::string interpolation) {
  return guarded([&] {
    if (interpolation != "tetrahedral" && interpolation != "trilinear") {
      invalid("interpolation must be 'tetrahedral' or 'trilinear', got '" + interpolation + "'");
    }
    const Lut lut = parse_cube(cube);
    const Rgba8Image image = rgba_from_js(rgba, width, height, "image");
    const RgbImage applied =
        apply_lut(lut, to_rgb(image),
                  interpolation == "trilinear" ? LutInterpolation::kTrilinear
                                               : LutInterpolation::kTetrahedral,
                  Context{max_threads(), nullptr});
    return copy_out(to_rgba8(applied, &image).rgba);
  });
}

std::string version() { return SUPERCOLOR_VERSION; }

// The parameter table as JSON (params.h: param_schema_json), for tools/gen-params.mjs and the
// test that keeps web/lib/params.generated.ts equal to it.
std::string param_schema() { return param_schema_json(); }

// The core's error codes (error.h), for tools/gen-params.mjs.
val error_codes() {
  val codes = val::array();
  for (ErrorCode code : kErrorCodes) codes.call<void>("push", std::string(error_code_name(code)));
  return codes;
}

}  // namespace
}  // namespace supercolor

EMSCRIPTEN_BINDINGS(supercolor) {
  using namespace emscripten;
  using supercolor::JsPipeline;
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
  function("decodeImage", &supercolor::decode_image_js);
  function("encodePng", &supercolor::encode_png_js);
  function("encodeJpeg", &supercolor::encode_jpeg_js);
  function("rgbToRgba", &supercolor::rgb_to_rgba_js);
  function("maxThreads", &supercolor::max_threads);
  function("cancelFlagAddress", &supercolor::cancel_flag_address);
  function("resetCancel", &supercolor::reset_cancel);
  function("version", &supercolor::version);
  function("paramSchema", &supercolor::param_schema);
  function("applyCube", &supercolor::apply_cube_js);
  function("errorCodes", &supercolor::error_codes);
}
