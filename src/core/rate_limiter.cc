#include "core/rate_limiter.h"

namespace privacyd {

bool RateLimiter::Allow(const std::string& key) {
  const Micros now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = uses_.try_emplace(key);
  std::deque<Micros>& uses = it->second;
  while (!uses.empty() && uses.front() <= now - window_) uses.pop_front();
  if (inserted) {
    order_.emplace_back(now, key);
    while (uses_.size() > max_keys_ && !order_.empty()) {
      if (order_.front().second != key) uses_.erase(order_.front().second);
      order_.pop_front();
    }
  }
  if (static_cast<int>(uses.size()) >= limit_) return false;
  uses.push_back(now);
  return true;
}

}  // namespace privacyd
