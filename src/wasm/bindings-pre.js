// --pre-js of the supercolor module (see src/wasm/errors.h, guarded()).
//
// A bound C++ call never throws into JS from inside wasm: a JS exception unwinding wasm frames
// would skip their epilogues and destructors (Emscripten 3.1.6 leaks 16+ bytes of wasm stack
// and every emval handle those frames held, per error). Instead the C++ side catches, records
// the Error here through supercolor_record_error (EM_JS) and returns normally; the wrapper
// below, put around every invoker Embind creates (functions, methods, constructors), then
// throws it.
var supercolorPendingError = null;
var supercolorCraftInvoker = craftInvokerFunction;
craftInvokerFunction = function() {
  var invoker = supercolorCraftInvoker.apply(this, arguments);
  return function() {
    var result = invoker.apply(this, arguments);
    if (supercolorPendingError !== null) {
      var error = supercolorPendingError;
      supercolorPendingError = null;
      throw error;
    }
    return result;
  };
};
