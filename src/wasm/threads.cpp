// JS API: maxThreads() -> 1 + the pthread pool size (createSupercolorModule({pthreadPoolSize})),
// 1 in the build without threads; cancelFlagAddress() -> byte offset in wasm memory (HEAP8) of
// the cancellation flag; resetCancel(). Internal to the package's worker protocol.
#include "wasm/threads.h"

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>

namespace supercolor::wasm {

namespace {

std::atomic<bool> cancel_requested{false};

// A static's address never moves, so JS can keep the offset.
double cancel_flag_address() {
  return static_cast<double>(reinterpret_cast<uintptr_t>(&cancel_requested));
}

void reset_cancel() { cancel_requested.store(false); }

}  // namespace

std::atomic<bool>& cancel_flag() { return cancel_requested; }

int max_threads() {
#ifdef __EMSCRIPTEN_PTHREADS__
  const emscripten::val pool = emscripten::val::module_property("pthreadPoolSize");
  return pool.typeOf().as<std::string>() == "number" ? 1 + pool.as<int>() : 1;
#else
  return 1;
#endif
}

}  // namespace supercolor::wasm

EMSCRIPTEN_BINDINGS(supercolor_threads) {
  emscripten::function("maxThreads", &supercolor::wasm::max_threads);
  emscripten::function("cancelFlagAddress", &supercolor::wasm::cancel_flag_address);
  emscripten::function("resetCancel", &supercolor::wasm::reset_cancel);
}
