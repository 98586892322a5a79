// Big strings kept for the next request instead of given back to the allocator.
//
// A consent check of 100,000 identities writes an answer of some 25 MB into a few strings.
// Freed, their memory went back to the kernel (glibc unmaps a thread arena's heap once it is
// empty), so the next check had every page of its answer faulted in and zeroed anew: on a
// virtual machine some 10 µs a page, a fifth of the check's CPU. Strings taken from a pool and
// given back to it once sent keep their memory.
//
// Thread safety: Take and Give may be called from any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace privacyd {

class StringPool {
 public:
  // Keeps strings of at least `min_capacity` bytes reserved, up to `max_bytes` in all.
  StringPool(size_t min_capacity, size_t max_bytes)
      : min_capacity_(min_capacity), max_bytes_(max_bytes) {}
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // An empty string with at least `capacity` bytes reserved: the kept one that fits most
  // closely, else the largest kept one grown to `capacity`, else a new one. A new one, with the
  // pool untouched, when `capacity` is under the smallest the pool keeps.
  std::string Take(size_t capacity);
  // Keeps `s` (emptied) when it is big enough and the pool has room; frees it otherwise.
  void Give(std::string s);

  // What the pool keeps now (for tests).
  size_t kept_bytes() const;
  size_t kept_count() const;

 private:
  const size_t min_capacity_;
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::vector<std::string> kept_;  // guarded by mutex_
  size_t kept_bytes_ = 0;          // guarded by mutex_: the sum of kept_'s capacities
};

}  // namespace privacyd
