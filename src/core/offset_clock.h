// A clock for tests of the real binary: the system time moved by an offset (whole seconds, may
// be negative) read from a file, so that an integration test can move a running daemon past a
// deadline or a code's expiry without waiting. main.cc builds it only when the environment
// variable PRIVACYD_TEST_CLOCK_OFFSET_FILE names such a file, and then warns loudly at start;
// it is never meant for production (docs/operations.md).
//
// The file is read again at most every `reread` of real time (100 ms by default). A missing, empty
// or malformed file means an offset of 0. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace privacyd {

inline constexpr char kTestClockOffsetEnv[] = "PRIVACYD_TEST_CLOCK_OFFSET_FILE";

class OffsetFileClock final : public Clock {
 public:
  explicit OffsetFileClock(std::string path,
                           std::chrono::milliseconds reread = std::chrono::milliseconds(100))
      : path_(std::move(path)), reread_(reread) {}
  Micros Now() const override;
  // The offset in force now, in seconds.
  int64_t OffsetSeconds() const;

 private:
  std::string path_;
  std::chrono::milliseconds reread_;
  SystemClock system_;
  mutable std::mutex mu_;
  mutable int64_t offset_ = 0;
  mutable std::chrono::steady_clock::time_point read_at_{};
  mutable bool read_once_ = false;
};

}  // namespace privacyd
