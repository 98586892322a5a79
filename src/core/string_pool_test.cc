#include "core/string_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/huge_pages.h"
#include "testing/memory_maps.h"

namespace privacyd {
namespace {

TEST(StringPoolTest, AStringGivenBackIsTakenAgainWithItsMemory) {
  StringPool pool(1000, 100'000);
  std::string s = pool.Take(5000);
  EXPECT_TRUE(s.empty());
  EXPECT_GE(s.capacity(), 5000u);
  s.assign(4000, 'x');
  const char* memory = s.data();
  const size_t capacity = s.capacity();
  pool.Give(std::move(s));
  EXPECT_EQ(pool.kept_count(), 1u);
  EXPECT_EQ(pool.kept_bytes(), capacity);
  std::string again = pool.Take(3000);
  EXPECT_EQ(again.data(), memory);  // the same buffer, emptied
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(pool.kept_count(), 0u);
  EXPECT_EQ(pool.kept_bytes(), 0u);
}

TEST(StringPoolTest, TakesTheClosestFitElseGrowsTheLargest) {
  StringPool pool(1000, 1'000'000);
  std::string small = pool.Take(2000), middle = pool.Take(20'000), large = pool.Take(200'000);
  const char* middle_memory = middle.data();
  pool.Give(std::move(large));
  pool.Give(std::move(small));
  pool.Give(std::move(middle));
  EXPECT_EQ(pool.Take(10'000).data(), middle_memory);
  // None of the two left fits: the largest is taken and grown.
  std::string grown = pool.Take(500'000);
  EXPECT_GE(grown.capacity(), 500'000u);
  EXPECT_EQ(pool.kept_count(), 1u);
  EXPECT_LT(pool.kept_bytes(), 20'000u);  // the small one is what is left
}

TEST(StringPoolTest, KeepsNeitherSmallStringsNorMoreThanItsBytes) {
  StringPool pool(1000, 10'000);
  std::string tiny;
  tiny.reserve(100);
  pool.Give(std::move(tiny));
  EXPECT_EQ(pool.kept_count(), 0u);
  // Nor does a small string take a big one.
  std::string big;
  big.reserve(5000);
  pool.Give(std::move(big));
  EXPECT_LT(pool.Take(100).capacity(), 1000u);
  EXPECT_EQ(pool.kept_count(), 1u);
  pool.Take(5000);
  std::string a, b;
  a.reserve(6000);
  b.reserve(6000);
  pool.Give(std::move(a));
  pool.Give(std::move(b));  // over 10,000 together: freed
  EXPECT_EQ(pool.kept_count(), 1u);
  EXPECT_LE(pool.kept_bytes(), 10'000u);
  EXPECT_GE(pool.kept_bytes(), 6000u);
}

TEST(StringPoolTest, ThreadsTakeAndGiveAtOnce) {
  StringPool pool(1000, 1 << 30);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string s = pool.Take(2000 + 1000 * static_cast<size_t>(t));
        s.assign(2000, static_cast<char>('a' + t));
        ASSERT_EQ(s, std::string(2000, static_cast<char>('a' + t)));
        pool.Give(std::move(s));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GE(pool.kept_count(), 1u);
  EXPECT_LE(pool.kept_count(), 4u);  // never more than were taken at once
}

// A new block is advised for huge pages before it is written (core/huge_pages.h says why).
TEST(StringPoolTest, ANewBigBlockIsAdvisedForHugePages) {
  if (!testing::KernelHasTransparentHugePages()) GTEST_SKIP() << "no transparent huge pages";
  StringPool pool(1000, 100 << 20);
  std::string big = pool.Take(6 * kHugePageBytes);
  const auto data = reinterpret_cast<uintptr_t>(big.data());
  const uintptr_t inside = (data + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  EXPECT_TRUE(testing::HasHugePageAdvice(reinterpret_cast<void*>(inside)));
}

}  // namespace
}  // namespace privacyd
