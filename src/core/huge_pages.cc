#include "core/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

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

void* MapHugePages(size_t bytes) {
  // Mapped with a huge page to spare, then trimmed to the aligned part.
  const size_t mapped = bytes + kHugePageBytes;
  void* map = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) throw std::bad_alloc();
  const auto begin = reinterpret_cast<uintptr_t>(map);
  const uintptr_t aligned = (begin + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  if (aligned > begin) munmap(map, aligned - begin);
  const uintptr_t tail = aligned + bytes;
  if (begin + mapped > tail) munmap(reinterpret_cast<void*>(tail), begin + mapped - tail);
  void* data = reinterpret_cast<void*>(aligned);
  AdviseHugePages(data, bytes);
  return data;
}

void UnmapHugePages(void* data, size_t bytes) { munmap(data, bytes); }

}  // namespace privacyd
