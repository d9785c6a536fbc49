#include "parallel.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "error.h"

namespace supercolor {

void Context::check_cancelled() const {
  if (cancelled()) throw Error(ErrorCode::kCancelled, "operation cancelled");
}

std::size_t chunk_count(std::size_t begin, std::size_t end, std::size_t grain) {
  if (end <= begin) return 0;
  grain = std::max<std::size_t>(grain, 1);
  return (end - begin + grain - 1) / grain;
}

void parallel_for_chunks(
    const Context& ctx, std::size_t begin, std::size_t end, std::size_t grain,
    const std::function<void(std::size_t chunk, std::size_t, std::size_t)>& body,
    Progress progress) {
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t chunks = chunk_count(begin, end, grain);
  if (chunks == 0) return;
  const auto run_chunk = [&](std::size_t chunk) {
    const std::size_t b = begin + chunk * grain;
    body(chunk, b, std::min(end, b + grain));
  };
  // Progress goes out from the calling thread only, increasing, strictly inside (0, 1), and
  // thinned to steps of >= 1/256 so that a callback into JS is not made thousands of times.
  const bool report = progress == Progress::kReport && ctx.progress != nullptr;
  double last_reported = 0.0;
  const auto report_done = [&](std::size_t done) {
    if (!report || done >= chunks) return;
    const double fraction = double(done) / double(chunks);
    if (fraction - last_reported < 1.0 / 256.0) return;
    last_reported = fraction;
    ctx.progress(fraction);
  };
  const std::size_t workers =
      std::min<std::size_t>(chunks, static_cast<std::size_t>(std::max(ctx.threads, 1)));
  if (workers <= 1) {
    for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
      ctx.check_cancelled();
      run_chunk(chunk);
      report_done(chunk + 1);
    }
    return;
  }

  // Dynamic scheduling: chunks are claimed from a shared counter. Which thread runs a chunk
  // varies, but chunk boundaries do not, so per-chunk results are deterministic.
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> completed{0};
  if (report) {
    // The caller runs the first chunk alone and reports it, so a reporting stage always says
    // something before it ends (and a throwing callback stops it before any thread starts),
    // however fast the other threads would have taken every chunk.
    ctx.check_cancelled();
    run_chunk(0);
    next = 1;
    completed = 1;
    report_done(1);
  }
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  const auto worker = [&](bool on_caller) {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t chunk = next.fetch_add(1);
      if (chunk >= chunks) return;
      try {
        ctx.check_cancelled();
        run_chunk(chunk);
        const std::size_t done = completed.fetch_add(1) + 1;
        if (on_caller) report_done(done);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  try {
    for (std::size_t t = 0; t + 1 < workers; ++t) pool.emplace_back(worker, false);
  } catch (const std::system_error&) {
    // No more threads to be had (e.g. an exhausted wasm pthread pool): the threads already
    // started and the caller share the chunks; results do not depend on the thread count.
  }
  worker(true);
  // The other threads may still be running chunks (or may have taken every chunk before the
  // caller claimed one): while they do, the caller keeps reporting what they complete, so a
  // long stage never looks frozen. It sleeps between looks, leaving the cores to them.
  while (report && !failed.load() && completed.load() < chunks) {
    try {
      report_done(completed.load());
    } catch (...) {  // a throwing callback (e.g. JS cancelling): stop the others, then rethrow
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
      failed.store(true);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

void parallel_for(const Context& ctx, std::size_t begin, std::size_t end, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body, Progress progress) {
  parallel_for_chunks(
      ctx, begin, end, grain, [&](std::size_t, std::size_t b, std::size_t e) { body(b, e); },
      progress);
}

}  // namespace supercolor
