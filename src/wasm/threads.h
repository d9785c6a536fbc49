// Threads and cancellation shared by every bound call of one module instance.
#pragma once

#include <atomic>

namespace supercolor::wasm {

// Threads the build can run at once: the caller plus the pthread pool (whose size the JS side
// fixes when it creates the module: Module.pthreadPoolSize, see CMakeLists.txt); 1 without
// threads. parallel_for blocks on joins, so asking for more would deadlock on the pool.
int max_threads();

// The cancellation flag every Pipeline of this module instance polls (one transfer runs at a
// time per worker). It lives in wasm memory so that, in the threaded build, whose memory is a
// SharedArrayBuffer, the thread that wants to cancel can raise it (Atomics.store at
// cancelFlagAddress()) while this one is busy inside a stage: the core polls it between chunks
// (Pipeline::set_cancel_flag) and the running stage throws "cancelled".
std::atomic<bool>& cancel_flag();

}  // namespace supercolor::wasm
