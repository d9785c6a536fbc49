// JS values <-> the core's types (the "conversions" job of the bindings). Typed arrays are
// copied in and out, never exposed as views of the wasm heap (a view dies when memory grows);
// every size is checked so a copy stays inside its buffer. Errors: invalid_argument (errors.h).
#pragma once

#include <emscripten/val.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/pipeline.h"
#include "wasm/errors.h"

namespace supercolor::wasm {

// Array.isArray(v).
bool is_array(const emscripten::val& v);

// Copies a JS array-like of numbers (a typed array in practice) into a vector.
// Errors: invalid_argument "<what> must be a typed array" for anything without a numeric length.
template <typename T>
std::vector<T> copy_in(const emscripten::val& array, const char* what) {
  if (array.isUndefined() || array.isNull() ||
      array["length"].typeOf().as<std::string>() != "number") {
    invalid(std::string(what) + " must be a typed array");
  }
  return emscripten::convertJSArrayToNumberVector<T>(array);
}

// A fresh JS typed array holding a copy of [data, data + size).
template <typename T>
emscripten::val copy_out(const T* data, std::size_t size) {
  return emscripten::val(emscripten::typed_memory_view(size, data)).call<emscripten::val>("slice");
}
template <typename T>
emscripten::val copy_out(const std::vector<T>& v) {
  return copy_out(v.data(), v.size());
}

// 8-bit RGBA pixels (width x height x 4, row-major, straight alpha) from a JS typed array.
// Errors: invalid_argument for a negative size or a length other than 4 * width * height.
Rgba8Image rgba_from_js(const emscripten::val& data, int width, int height, const char* what);

// 0 = target, 1 = reference. Errors: invalid_argument otherwise.
Side side_from_js(int side);

// A non-negative integer below 2^32 given as a JS number (a tile stride, in floats).
std::size_t stride_from_js(double v, const char* what);

}  // namespace supercolor::wasm
