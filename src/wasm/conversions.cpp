#include "wasm/conversions.h"

#include <cmath>

namespace supercolor::wasm {

using emscripten::val;

bool is_array(const val& v) { return val::global("Array").call<bool>("isArray", v); }

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

}  // namespace supercolor::wasm
