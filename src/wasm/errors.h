// How C++ errors reach JS (the "errors" job of the bindings).
//
// A bound call never throws into JS from inside wasm (a JS exception unwinding wasm frames skips
// their destructors: Emscripten 3.1.6 leaks wasm stack and emval handles per error). Instead
// guarded() catches, records a JS Error for the wrapper that bindings-pre.js puts around every
// bound call, and returns a placeholder; the wrapper throws the recorded Error once the wasm call
// has returned. Mapping:
//   supercolor::Error  -> Error with .code = error_code_name(code), .message = the core's message
//   std::bad_alloc     -> Error with .code = "out_of_memory"
//   other exceptions   -> Error with .code = "internal"
// The module stays usable after an error.
#pragma once

#include <emscripten/val.h>

#include <exception>
#include <new>
#include <string>

#include "core/error.h"

namespace supercolor::wasm {

// Thrown through the core when a JS callback threw; the JS exception is already recorded
// (call_js_progress), and the wrapper rethrows it as it was.
struct JsCallbackThrew {};

// Throws Error(kInvalidArgument, message): a JS value the bindings cannot accept.
[[noreturn]] void invalid(const std::string& message);

// Records the JS Error (code, message) that the bindings-pre.js wrapper throws after the call.
void record_error(const char* code, const std::string& message);

// Calls a JS progress callback fn(stage, fraction) on the calling thread; if it throws, records
// what it threw and throws JsCallbackThrew, so the C++ stage unwinds normally.
void call_js_progress(const emscripten::val& callback, const char* stage, double fraction);

// The value a bound function returns when it failed (the wrapper throws instead of returning it).
template <typename R>
R failed_value() {
  return R();
}
template <>
inline emscripten::val failed_value<emscripten::val>() {
  return emscripten::val::undefined();
}

// Runs f; a C++ exception becomes a recorded JS Error (see the mapping above) and the call
// returns a placeholder, after every destructor has run.
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
  record_error(code, message);
  return failed_value<decltype(f())>();
}

}  // namespace supercolor::wasm
