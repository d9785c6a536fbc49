// The core's one threading primitive.
//
// parallel_for splits [begin, end) into chunks of `grain` items whose boundaries depend only
// on (begin, end, grain) -- never on the thread count -- and runs body(chunk_begin, chunk_end)
// on up to `threads` threads. Code that reduces per-chunk partial results in chunk order is
// therefore bit-identical whatever the thread count (SLIC relies on this).
//
// Natively the threads are std::threads; in the wasm build they come from Emscripten's pthread
// pool. With threads <= 1 (or the non-threaded wasm build) everything runs on the caller.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

namespace supercolor {

// Progress of a running stage: the fraction of it done.
using ProgressFunction = std::function<void(double fraction)>;

// Execution context passed to every stage: how many threads, an optional cancellation flag
// polled between chunks (a raised flag makes the stage throw Error(kCancelled)), and an
// optional progress function.
struct Context {
  int threads = 1;
  const std::atomic<bool>* cancel = nullptr;
  // Called only by stages that say so (fuse), with fractions strictly between 0 and 1,
  // increasing, between chunks of work, and ONLY on the thread that called the stage -- never
  // on a worker thread (in wasm only that thread may call into JS). It may throw (for example
  // Error(kCancelled)) to stop the stage: the workers stop after their current chunk and the
  // exception propagates from the stage. Completion is the stage returning (no call with 1).
  ProgressFunction progress = nullptr;

  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
  // Throws Error(kCancelled) if the flag is raised.
  void check_cancelled() const;
};

// Number of chunks parallel_for will use for this range and grain.
std::size_t chunk_count(std::size_t begin, std::size_t end, std::size_t grain);

// Whether a parallel_for reports its chunks done through ctx.progress. A stage made of one
// loop reports; stages made of several loops stay silent (each loop would restart at 0).
enum class Progress { kSilent, kReport };

// Runs body(chunk_begin, chunk_end) for every chunk; checks ctx's cancellation flag before
// each chunk. Exceptions thrown by body (or by ctx.progress) are rethrown on the caller (the
// first one wins). With Progress::kReport, ctx.progress (if set) receives chunks done / chunks
// on the calling thread after each chunk that thread completes, at most about every 1/256.
void parallel_for(const Context& ctx, std::size_t begin, std::size_t end, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body,
                  Progress progress = Progress::kSilent);

// Like parallel_for but also passes the chunk index (0-based), for per-chunk partial results.
void parallel_for_chunks(
    const Context& ctx, std::size_t begin, std::size_t end, std::size_t grain,
    const std::function<void(std::size_t chunk, std::size_t, std::size_t)>& body,
    Progress progress = Progress::kSilent);

}  // namespace supercolor
