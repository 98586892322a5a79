// Transparent huge pages for big buffers.
//
// Memory fresh from the kernel is mapped a page at a time as it is first written. On a virtual
// machine each 4 KB page can cost far more than writing it: on the one privacyd is measured on,
// 6 to 15 µs a page, whether the pages were used before or not, so that the first consent check
// of 100,000 identities after a start spent a third of its CPU time mapping memory. A buffer
// advised for huge pages (madvise MADV_HUGEPAGE, which the kernel's default "madvise" mode of
// transparent huge pages honours) is mapped 2 MB at a time: there, 0.25 µs per 4 KB once the
// host has backed the memory. Fewer pages also mean fewer TLB misses for look-ups spread over
// a big table.
//
// Only whole 2 MB pages inside a buffer can be huge, so advising pays for buffers of some MB.
// The advice is only that: where the kernel has transparent huge pages off, or no huge page is
// free, memory is mapped as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace privacyd {

// The size of a huge page.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Advises the kernel to back the whole 2 MB pages within [data, data + size) with huge pages.
// Call it before the buffer is first written: pages already mapped stay as they are. Does
// nothing for a buffer that holds no whole huge page. Returns the bytes advised.
size_t AdviseHugePages(const void* data, size_t size);

// `bytes` rounded up to whole huge pages.
constexpr size_t WholeHugePages(size_t bytes) {
  return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
}

// Maps `bytes` (whole huge pages) of fresh memory, aligned to a huge page and advised for huge
// pages. Throws std::bad_alloc when the kernel refuses. UnmapHugePages gives it back.
void* MapHugePages(size_t bytes);
void UnmapHugePages(void* data, size_t bytes);

// An allocator for containers that grow big and are written right after they grow
// (std::vector's growth copies into its new block at once, too late to advise it afterwards).
// A block of at least `kHugePageBytes` is mapped for itself in whole huge pages (MapHugePages),
// so that all of it can be huge, and goes back to the kernel when freed; a smaller one is
// std::allocator's.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    if (!Huge(n)) return std::allocator<T>().allocate(n);
    return static_cast<T*>(MapHugePages(WholeHugePages(n * sizeof(T))));
  }
  void deallocate(T* p, size_t n) {
    if (!Huge(n)) return std::allocator<T>().deallocate(p, n);
    UnmapHugePages(p, WholeHugePages(n * sizeof(T)));
  }
  // A block of `n` elements is allocated in huge pages; smaller ones (and sizes too large to
  // round up) as std::allocator allocates them.
  static bool Huge(size_t n) {
    return n >= kHugePageBytes / sizeof(T) && n <= SIZE_MAX / sizeof(T) / 2;
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace privacyd
