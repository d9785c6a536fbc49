#!/usr/bin/env bash
# CMAKE_CROSSCOMPILING_EMULATOR for the wasm presets: runs an Emscripten-built program in Node.
# emcmake would set `node --experimental-wasm-threads`, which Node 20 rejects (SIMD and threads
# need no flag there); --no-experimental-fetch lets Emscripten 3.1.6's non-ES6 output read its
# .wasm from disk instead of failing with "Failed to parse URL".
exec node --no-experimental-fetch "$@"
