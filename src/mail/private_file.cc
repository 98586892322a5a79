#include "mail/private_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace privacyd::mail {

Result<std::string> ReadPrivateFile(const std::string& path, std::string_view what,
                                    const std::string& unreadable_code,
                                    const std::string& permissions_code) {
  auto unreadable = [&](const std::string& why) {
    return Error(ErrorKind::kFailedPrecondition, unreadable_code,
                 std::string(what) + " " + path + " " + why);
  };
  // Opened first and checked through the descriptor, so that the file checked is the file read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return unreadable("cannot be opened; check the path and that privacyd's user owns it");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return unreadable("is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorKind::kFailedPrecondition, permissions_code,
                 std::string(what) + " " + path + " has mode " + mode +
                     " and may be read by other users; restrict it with: chmod 600 " + path);
  }
  std::string content;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      sodium_memzero(buf, sizeof buf);
      return unreadable("cannot be read");
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  sodium_memzero(buf, sizeof buf);
  return content;
}

}  // namespace privacyd::mail
