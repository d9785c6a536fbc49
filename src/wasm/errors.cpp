#include "wasm/errors.h"

#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>

#include "core/error.h"

// supercolorPendingError is declared in bindings-pre.js, whose wrapper throws it.
EM_JS(void, supercolor_record_error, (const char* code, const char* message), {
  var error = new Error(UTF8ToString(message));
  error.code = UTF8ToString(code);
  supercolorPendingError = error;
});

// Returns 1 when the callback threw (what it threw is then pending), else 0.
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

namespace supercolor::wasm {

void invalid(const std::string& message) { throw Error(ErrorCode::kInvalidArgument, message); }

void record_error(const char* code, const std::string& message) {
  supercolor_record_error(code, message.c_str());
}

void call_js_progress(const emscripten::val& callback, const char* stage, double fraction) {
  if (supercolor_call_progress(callback.as_handle(), stage, fraction) != 0) throw JsCallbackThrew{};
}

}  // namespace supercolor::wasm
