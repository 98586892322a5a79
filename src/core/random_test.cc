#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace privacyd {
namespace {

bool IsCrockford(const std::string& s) {
  return s.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") == std::string::npos;
}

TEST(NewId, IsThePrefixAnd26Base32Characters) {
  SecureRandom random;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId(random, "sub");
    ASSERT_EQ(id.size(), 4u + 26u);
    EXPECT_EQ(id.substr(0, 4), "sub_");
    EXPECT_TRUE(IsCrockford(id.substr(4))) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(NewTimeOrderedId, SortsByTimeAndStaysUniqueWithinAMillisecond) {
  SecureRandom random;
  const int64_t t = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
  std::string earlier = NewTimeOrderedId(random, t, "sub");
  std::string later = NewTimeOrderedId(random, t + 1000, "sub");
  ASSERT_EQ(earlier.size(), 4u + 26u);
  EXPECT_TRUE(IsCrockford(earlier.substr(4))) << earlier;
  EXPECT_LT(earlier, later);
  // 1767225600000 ms in 10 base32 characters, most significant first.
  EXPECT_EQ(earlier.substr(4, 10), "01KDVDNA00");
  std::set<std::string> same_ms;
  for (int i = 0; i < 1000; ++i) same_ms.insert(NewTimeOrderedId(random, t, "sub"));
  EXPECT_EQ(same_ms.size(), 1000u);
  for (const auto& id : same_ms) EXPECT_EQ(id.substr(0, 14), earlier.substr(0, 14));
}

}  // namespace
}  // namespace privacyd
