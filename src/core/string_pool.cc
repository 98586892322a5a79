#include "core/string_pool.h"

#include <utility>

#include "core/huge_pages.h"

namespace privacyd {

std::string StringPool::Take(size_t capacity) {
  std::string s;
  if (capacity >= min_capacity_) {
    std::lock_guard lock(mutex_);
    size_t best = kept_.size();     // the smallest that fits
    size_t largest = kept_.size();  // else the largest
    for (size_t i = 0; i < kept_.size(); ++i) {
      const size_t c = kept_[i].capacity();
      if (c >= capacity && (best == kept_.size() || c < kept_[best].capacity())) best = i;
      if (largest == kept_.size() || c > kept_[largest].capacity()) largest = i;
    }
    const size_t pick = best != kept_.size() ? best : largest;
    if (pick != kept_.size()) {
      s = std::move(kept_[pick]);
      kept_[pick] = std::move(kept_.back());
      kept_.pop_back();
      kept_bytes_ -= s.capacity();
    }
  }
  const char* before = s.data();
  s.reserve(capacity);
  // A new block: advised before its first write, so that it is mapped in huge pages.
  if (s.data() != before) AdviseHugePages(s.data(), s.capacity());
  return s;
}

void StringPool::Give(std::string s) {
  const size_t capacity = s.capacity();
  if (capacity < min_capacity_) return;
  s.clear();
  std::lock_guard lock(mutex_);
  if (kept_bytes_ + capacity > max_bytes_) return;  // freed as `s` goes, outside the pool
  kept_bytes_ += capacity;
  kept_.push_back(std::move(s));
}

size_t StringPool::kept_bytes() const {
  std::lock_guard lock(mutex_);
  return kept_bytes_;
}

size_t StringPool::kept_count() const {
  std::lock_guard lock(mutex_);
  return kept_.size();
}

}  // namespace privacyd
