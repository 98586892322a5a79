#include "core/change_counter.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace privacyd {
namespace {

Error UnusableFile(const std::filesystem::path& path, const char* what, int error) {
  return Error(ErrorKind::kUnavailable, "change_counter_unusable",
               "cannot " + std::string(what) + " " + path.string() + ": " + std::strerror(error) +
                   "; check that the data directory is writable");
}

}  // namespace

Result<std::unique_ptr<ChangeCounter>> ChangeCounter::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return UnusableFile(path, "open", errno);
  return std::unique_ptr<ChangeCounter>(new ChangeCounter(fd, path));
}

ChangeCounter::~ChangeCounter() { ::close(fd_); }

Error ChangeCounter::Unusable(const char* what) const { return UnusableFile(path_, what, errno); }

Result<uint64_t> ChangeCounter::Read() const {
  uint64_t value = 0;
  ssize_t n = ::pread(fd_, &value, sizeof value, 0);
  if (n < 0) return Unusable("read");
  // A file never bumped is empty and reads as 0.
  return value;
}

Status ChangeCounter::Bump() {
  if (::flock(fd_, LOCK_EX) != 0) return Unusable("lock");
  Result<uint64_t> value = Read();
  Status status = Ok();
  if (!value.ok()) {
    status = value.error();
  } else {
    uint64_t next = *value + 1;
    if (::pwrite(fd_, &next, sizeof next, 0) != static_cast<ssize_t>(sizeof next)) {
      status = Unusable("write");
    }
  }
  ::flock(fd_, LOCK_UN);
  return status;
}

}  // namespace privacyd
