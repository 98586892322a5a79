#include "core/clock.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1'769'851'800'123'456LL), "2026-01-31T09:30:00.123Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339("2026-01-31T09:30:00Z"), 1'769'851'800LL * kMicrosPerSecond);
  EXPECT_EQ(*ParseRfc3339("2026-01-31T10:30:00.5+01:00"),
            1'769'851'800LL * kMicrosPerSecond + 500'000);
}

TEST(Rfc3339, RejectsMalformedText) {
  for (const char* bad : {"", "2026-01-31", "2026-13-01T00:00:00Z", "2026-01-31T09:30:00",
                          "2026-01-31T09:30:00Zjunk", "2026-01-31T09:30:00.Z"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), "invalid_timestamp");
  }
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(100);
  EXPECT_EQ(clock.Now(), 100);
  clock.Advance(50);
  EXPECT_EQ(clock.Now(), 150);
  clock.Set(7);
  EXPECT_EQ(clock.Now(), 7);
}

}  // namespace
}  // namespace privacyd
