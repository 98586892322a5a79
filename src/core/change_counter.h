// A counter in a small file of the data directory, shared by every process that opens the
// directory: a process bumps it after it commits a change that others may hold in memory (a
// staff token revoked, a staff user disabled: staff/staff_directory.h), and a process that keeps
// such things in memory reads it, one pread, before it trusts what it keeps.
//
// The counter is not durable (no fsync): after a crash every process starts with empty memory
// anyway.
//
// Thread safety: Read and Bump may be called from any thread and any process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "core/result.h"

namespace privacyd {

class ChangeCounter {
 public:
  // Opens the file, creating it (mode 0600, value 0) when missing. Errors: kUnavailable
  // "change_counter_unusable", naming the file and the reason.
  static Result<std::unique_ptr<ChangeCounter>> Open(const std::filesystem::path& path);
  ~ChangeCounter();
  ChangeCounter(const ChangeCounter&) = delete;
  ChangeCounter& operator=(const ChangeCounter&) = delete;

  // The value now. Errors as Open.
  Result<uint64_t> Read() const;
  // Adds one, under an exclusive lock of the file, so that bumps of several processes at once
  // all count. Errors as Open.
  Status Bump();

 private:
  ChangeCounter(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  Error Unusable(const char* what) const;

  int fd_;
  std::filesystem::path path_;
};

}  // namespace privacyd
