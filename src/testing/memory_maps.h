// What /proc/self/smaps says of this process's memory, for tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace privacyd::testing {

// The VmFlags of the mapping of this process that holds `address` ("" when none does). A
// mapping advised for huge pages has the flag "hg".
inline std::string VmFlagsAt(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= at && at < end;
    } else if (inside && line.starts_with("VmFlags:")) {
      return line.substr(8) + " ";
    }
  }
  return "";
}

inline bool HasHugePageAdvice(const void* address) {
  return VmFlagsAt(address).find(" hg ") != std::string::npos;
}

// False where the kernel has no transparent huge pages (advice for them is then refused).
inline bool KernelHasTransparentHugePages() {
  return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled");
}

}  // namespace privacyd::testing
