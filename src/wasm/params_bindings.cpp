// JS API: paramSchema() -> the parameter table as JSON (core/params.h param_schema_json), read
// by tools/gen-params.mjs to generate web/lib/params.generated.ts; errorCodes() -> the core's
// error code names (core/error.h); version().
#include "wasm/params_bindings.h"

#include <emscripten/bind.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "wasm/conversions.h"
#include "wasm/errors.h"

#ifndef SUPERCOLOR_VERSION
#define SUPERCOLOR_VERSION "0.0.0"
#endif

namespace supercolor::wasm {

using emscripten::val;

namespace {

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

std::string version() { return SUPERCOLOR_VERSION; }

std::string param_schema() { return param_schema_json(); }

val error_codes() {
  val codes = val::array();
  for (ErrorCode code : kErrorCodes) codes.call<void>("push", std::string(error_code_name(code)));
  return codes;
}

}  // namespace

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

}  // namespace supercolor::wasm

EMSCRIPTEN_BINDINGS(supercolor_params) {
  emscripten::function("version", &supercolor::wasm::version);
  emscripten::function("paramSchema", &supercolor::wasm::param_schema);
  emscripten::function("errorCodes", &supercolor::wasm::error_codes);
}
