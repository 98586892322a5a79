#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace privacyd {
namespace {

TEST(ParallelTest, PartRangesCoverEveryItemOnceInOrder) {
  for (size_t n : {0u, 1u, 7u, 100'000u, 100'001u}) {
    for (size_t parts : {1u, 2u, 3u, 8u}) {
      size_t next = 0;
      for (size_t part = 0; part < parts; ++part) {
        auto [first, end] = PartRange(n, parts, part);
        EXPECT_EQ(first, next) << n << " " << parts << " " << part;
        EXPECT_LE(end - first, n / parts + 1);
        EXPECT_GE(end - first, n / parts);
        next = end;
      }
      EXPECT_EQ(next, n) << n << " " << parts;
    }
  }
  EXPECT_EQ(PartRange(10, 3, 0), std::make_pair(size_t{0}, size_t{4}));
  EXPECT_EQ(PartRange(10, 3, 1), std::make_pair(size_t{4}, size_t{7}));
  EXPECT_EQ(PartRange(10, 3, 2), std::make_pair(size_t{7}, size_t{10}));
}

TEST(ParallelTest, PartsForIsOnePerCoreOfAtLeastTheMinimum) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(PartsFor(0, 1000), 1u);
  EXPECT_EQ(PartsFor(999, 1000), 1u);
  EXPECT_EQ(PartsFor(2000, 1000), std::min<size_t>(cores, 2));
  EXPECT_EQ(PartsFor(1'000'000, 1000), cores);
  EXPECT_EQ(PartsFor(5, 0), std::min<size_t>(cores, 5));
}

TEST(ParallelTest, RunsEveryPartOnceAndRethrows) {
  std::vector<std::atomic<int>> runs(5);
  RunParts(5, [&](size_t part) { ++runs[part]; });
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
  std::atomic<int> done{0};
  try {
    RunParts(3, [&](size_t part) {
      ++done;
      if (part == 2) throw std::runtime_error("part 2");
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "part 2");
  }
  EXPECT_EQ(done.load(), 3);
  // Helpers were all given back: a later call still runs everything.
  std::atomic<int> later{0};
  RunParts(4, [&](size_t) { ++later; });
  EXPECT_EQ(later.load(), 4);
}

}  // namespace
}  // namespace privacyd
