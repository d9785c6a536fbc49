// Image codecs and LUT application (io and core/cube), for the Node entry and the CLI.
// JS API:
//   decodeImage(bytes: Uint8Array) -> {width, height, data: RGBA8 (sRGB), warnings: string[]}
//     (io/image_io.h decode_image; warnings: e.g. an embedded colour profile that was ignored)
//   encodePng(rgba, w, h) / encodeJpeg(rgba, w, h, quality 1..100) -> Uint8Array file bytes
//   rgbToRgba(rgb: Float32Array 3 x w x h, w, h) -> RGBA8 (clamped, rounded, alpha 255)
//   applyCube(cubeText, rgba, w, h, 'tetrahedral' | 'trilinear') -> RGBA8, alpha kept
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
#include <vector>

#include "core/cube.h"
#include "core/image.h"
#include "core/lut.h"
#include "core/parallel.h"
#include "io/image_io.h"
#include "wasm/conversions.h"
#include "wasm/errors.h"
#include "wasm/threads.h"

namespace supercolor::wasm {
namespace {

using emscripten::val;

val decode_image_js(val bytes) {
  return guarded([&] {
    const std::vector<uint8_t> data = copy_in<uint8_t>(bytes, "bytes");
    std::vector<std::string> warnings;
    const Rgba8Image image = decode_image(data.data(), data.size(), &warnings);
    val out = val::object();
    out.set("width", image.width);
    out.set("height", image.height);
    out.set("data", copy_out(image.rgba));
    val warning_list = val::array();
    for (const std::string& warning : warnings) warning_list.call<void>("push", warning);
    out.set("warnings", warning_list);
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

// Errors: invalid_lut naming the line for malformed text (cube.h), invalid_argument for bad
// sizes or interpolation.
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

}  // namespace
}  // namespace supercolor::wasm

EMSCRIPTEN_BINDINGS(supercolor_images) {
  emscripten::function("decodeImage", &supercolor::wasm::decode_image_js);
  emscripten::function("encodePng", &supercolor::wasm::encode_png_js);
  emscripten::function("encodeJpeg", &supercolor::wasm::encode_jpeg_js);
  emscripten::function("rgbToRgba", &supercolor::wasm::rgb_to_rgba_js);
  emscripten::function("applyCube", &supercolor::wasm::apply_cube_js);
}
