#include "core/change_counter.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "testing/test_store.h"

namespace privacyd {
namespace {

TEST(ChangeCounterTest, StartsAtZeroAndEveryOpeningSeesEveryBump) {
  testing::TempDir dir;
  auto path = dir.path() / "counter";
  auto one = ChangeCounter::Open(path);
  ASSERT_TRUE(one.ok()) << one.error().message();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*(*one)->Read(), 0u);

  auto other = ChangeCounter::Open(path);  // as another process opens it
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*one)->Bump().ok());
  EXPECT_EQ(*(*other)->Read(), 1u);
  ASSERT_TRUE((*other)->Bump().ok());
  EXPECT_EQ(*(*one)->Read(), 2u);

  // Bumps made at once through separate openings all count: each holds the file's lock.
  std::vector<std::thread> bumpers;
  for (int t = 0; t < 4; ++t) {
    bumpers.emplace_back([&path] {
      auto mine = ChangeCounter::Open(path);
      ASSERT_TRUE(mine.ok());
      for (int i = 0; i < 250; ++i) ASSERT_TRUE((*mine)->Bump().ok());
    });
  }
  for (auto& b : bumpers) b.join();
  EXPECT_EQ(*(*one)->Read(), 1002u);
}

TEST(ChangeCounterTest, AnUnusablePathIsAClearError) {
  testing::TempDir dir;
  auto opened = ChangeCounter::Open(dir.path() / "missing" / "counter");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(opened.error().code(), "change_counter_unusable");
  EXPECT_NE(opened.error().message().find("missing/counter"), std::string::npos);
}

}  // namespace
}  // namespace privacyd
