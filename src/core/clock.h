// Time in privacyd comes from an injected Clock so that deadlines, expiry and retention are
// tested without sleeping. Timestamps are microseconds since the Unix epoch (UTC).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace privacyd {

using Micros = int64_t;
constexpr Micros kMicrosPerSecond = 1'000'000;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time now. Thread-safe.
  virtual Micros Now() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  Micros Now() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Micros start = 1'767'225'600LL * kMicrosPerSecond)  // 2026-01-01T00:00:00Z
      : now_(start) {}
  Micros Now() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

// RFC 3339 UTC with millisecond precision: "2026-01-31T09:30:00.123Z".
std::string FormatRfc3339(Micros t);
// Parses RFC 3339 ("2026-01-31T09:30:00Z", fractional seconds and numeric offsets accepted).
Result<Micros> ParseRfc3339(const std::string& text);

}  // namespace privacyd
