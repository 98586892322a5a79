#include "core/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace privacyd {

size_t AdviseHugePages(const void* data, size_t size) {
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const uintptr_t end = (begin + size) & ~(kHugePageBytes - 1);
  if (size < kHugePageBytes || end <= first) return 0;
  // EINVAL where the kernel has no transparent huge pages: the buffer stays as it is.
  if (madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE) != 0) return 0;
  return end - first;
}

}  // namespace privacyd
