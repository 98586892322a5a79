#include "core/huge_pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <vector>

#include "testing/memory_maps.h"

namespace privacyd {
namespace {

class HugePagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::KernelHasTransparentHugePages()) {
      GTEST_SKIP() << "this kernel has no transparent huge pages";
    }
  }
};

TEST_F(HugePagesTest, AdvisesTheWholeHugePagesInsideABuffer) {
  // 12 MB mapped, then a buffer that starts 100 bytes past a 2 MB boundary.
  const size_t mapped = 6 * kHugePageBytes;
  void* map = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  const auto base = (reinterpret_cast<uintptr_t>(map) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  auto* buffer = reinterpret_cast<char*>(base + 100);
  // 6 MB from there holds two whole huge pages: [base + 2 MB, base + 6 MB).
  EXPECT_EQ(AdviseHugePages(buffer, 3 * kHugePageBytes), 2 * kHugePageBytes);
  EXPECT_FALSE(testing::HasHugePageAdvice(buffer));  // its first, partial huge page is not advised
  EXPECT_TRUE(testing::HasHugePageAdvice(reinterpret_cast<char*>(base + kHugePageBytes)));
  EXPECT_TRUE(testing::HasHugePageAdvice(reinterpret_cast<char*>(base + 3 * kHugePageBytes - 1)));
  EXPECT_FALSE(testing::HasHugePageAdvice(reinterpret_cast<char*>(base + 3 * kHugePageBytes)));
  // The buffer is usable as before.
  for (size_t i = 0; i < 3 * kHugePageBytes; i += 4096) buffer[i] = static_cast<char>(i);
  EXPECT_EQ(buffer[4096], static_cast<char>(4096));
  munmap(map, mapped);
}

TEST_F(HugePagesTest, ABufferWithoutAWholeHugePageIsLeftAlone) {
  std::vector<char> small(kHugePageBytes - 1);
  EXPECT_EQ(AdviseHugePages(small.data(), small.size()), 0u);
  // Two MB that straddle a boundary hold no whole huge page either.
  void* map =
      mmap(nullptr, 3 * kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  const auto base = (reinterpret_cast<uintptr_t>(map) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  EXPECT_EQ(AdviseHugePages(reinterpret_cast<char*>(base + 1), kHugePageBytes), 0u);
  EXPECT_FALSE(testing::HasHugePageAdvice(reinterpret_cast<char*>(base + 1)));
  munmap(map, 3 * kHugePageBytes);
}

TEST_F(HugePagesTest, MapsAlignedAdvisedMemoryAndGivesItBack) {
  auto* data = static_cast<char*>(MapHugePages(3 * kHugePageBytes));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % kHugePageBytes, 0u);
  EXPECT_TRUE(testing::HasHugePageAdvice(data));
  EXPECT_TRUE(testing::HasHugePageAdvice(data + 3 * kHugePageBytes - 1));
  for (size_t i = 0; i < 3 * kHugePageBytes; i += 4096) data[i] = 1;
  UnmapHugePages(data, 3 * kHugePageBytes);
  EXPECT_EQ(testing::VmFlagsAt(data), "");  // no longer mapped
}

TEST_F(HugePagesTest, AVectorOnTheAllocatorGrowsIntoAdvisedMemory) {
  // A small one is not advised (made first, so that no freed block of the big one holds it).
  std::vector<uint64_t, HugePageAllocator<uint64_t>> small(1000, 7);
  EXPECT_FALSE(testing::HasHugePageAdvice(small.data()));
  std::vector<uint64_t, HugePageAllocator<uint64_t>> big;
  for (uint64_t i = 0; i < 3 * kHugePageBytes / sizeof(uint64_t); ++i) big.push_back(i);
  // Its block is whole huge pages, from its first byte to its last, all advised.
  const auto data = reinterpret_cast<uintptr_t>(big.data());
  EXPECT_EQ(data % kHugePageBytes, 0u);
  EXPECT_TRUE(testing::HasHugePageAdvice(big.data()));
  EXPECT_TRUE(testing::HasHugePageAdvice(
      reinterpret_cast<void*>(data + WholeHugePages(big.capacity() * sizeof(uint64_t)) - 1)));
  EXPECT_EQ(big[12345], 12345u);
}

}  // namespace
}  // namespace privacyd
