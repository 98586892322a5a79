// A sliding-window limit on how often a key (a client address) may do something: at most
// `limit` times per `window`. In memory and per process, so it bounds what one process serves;
// the limits kept in the store (per identity) hold across processes. Thread-safe. At most
// `max_keys` keys are tracked; beyond that the oldest are forgotten (bounded memory under a
// flood of addresses).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace privacyd {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, int limit, Micros window, size_t max_keys = 100'000)
      : clock_(clock), limit_(limit), window_(window), max_keys_(max_keys) {}

  // Counts one use by `key` and says whether it is within the limit. A refused use is not
  // counted.
  bool Allow(const std::string& key);

 private:
  const Clock& clock_;
  const int limit_;
  const Micros window_;
  const size_t max_keys_;
  std::mutex mu_;
  std::map<std::string, std::deque<Micros>> uses_;
  std::deque<std::pair<Micros, std::string>> order_;  // first use per key, oldest first
};

}  // namespace privacyd
