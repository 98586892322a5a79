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
#include <memory>

namespace privacyd {

// The size of a huge page.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Advises the kernel to back the whole 2 MB pages within [data, data + size) with huge pages.
// Call it before the buffer is first written: pages already mapped stay as they are. Does
// nothing for a buffer that holds no whole huge page. Returns the bytes advised.
size_t AdviseHugePages(const void* data, size_t size);

// An allocator that advises every allocation of at least `kHugePageBytes` for huge pages, for
// containers that grow big and are written right after they grow (std::vector's growth copies
// into its new block at once, too late to advise it afterwards).
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    T* p = std::allocator<T>().allocate(n);
    if (n * sizeof(T) >= kHugePageBytes) AdviseHugePages(p, n * sizeof(T));
    return p;
  }
  void deallocate(T* p, size_t n) { std::allocator<T>().deallocate(p, n); }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace privacyd
