#include "core/offset_clock.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace privacyd {
namespace {

int64_t ReadOffset(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return 0;
  return value;
}

}  // namespace

int64_t OffsetFileClock::OffsetSeconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!read_once_ || now - read_at_ >= reread_) {
    offset_ = ReadOffset(path_);
    read_at_ = now;
    read_once_ = true;
  }
  return offset_;
}

Micros OffsetFileClock::Now() const { return system_.Now() + OffsetSeconds() * kMicrosPerSecond; }

}  // namespace privacyd
