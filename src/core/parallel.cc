#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace privacyd {
namespace {

size_t Cores() {
  static const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return cores;
}

// Helper threads running now, across the process.
std::atomic<size_t> helpers_running{0};

bool TakeHelper() {
  size_t running = helpers_running.load();
  while (running + 1 < Cores()) {
    if (helpers_running.compare_exchange_weak(running, running + 1)) return true;
  }
  return false;
}

}  // namespace

size_t PartsFor(size_t n, size_t min_part) {
  if (min_part == 0) min_part = 1;
  return std::max<size_t>(1, std::min(Cores(), n / min_part));
}

std::pair<size_t, size_t> PartRange(size_t n, size_t parts, size_t part) {
  const size_t base = n / parts;
  const size_t extra = n % parts;  // the first `extra` parts take one more
  const size_t first = part * base + std::min(part, extra);
  return {first, first + base + (part < extra ? 1 : 0)};
}

void RunParts(size_t parts, const std::function<void(size_t part)>& fn) {
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto run = [&](size_t part) {
    try {
      fn(part);
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  std::vector<size_t> inline_parts;
  for (size_t part = 1; part < parts; ++part) {
    if (!TakeHelper()) {
      inline_parts.push_back(part);
      continue;
    }
    try {
      helpers.emplace_back([&run, part] {
        run(part);
        helpers_running.fetch_sub(1);
      });
    } catch (const std::system_error&) {  // no thread to be had: do it here
      helpers_running.fetch_sub(1);
      inline_parts.push_back(part);
    }
  }
  run(0);
  for (size_t part : inline_parts) run(part);
  for (auto& helper : helpers) helper.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace privacyd
