// Parameters from JS, read through the core's parameter table (core/params.h), which is the one
// source of names, types, defaults and ranges: nothing here knows a parameter by name.
#pragma once

#include <emscripten/val.h>

#include "core/params.h"

namespace supercolor::wasm {

// A params object {name: value}: every key must name a parameter of the table; undefined values
// are skipped (the default stays). Values: numbers, booleans, strings, arrays of numbers or of
// strings; their range and meaning are checked by set_param.
// Errors: invalid_argument naming the parameter.
Params params_from_js(const emscripten::val& js);

}  // namespace supercolor::wasm
