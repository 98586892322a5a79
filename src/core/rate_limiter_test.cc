#include "core/rate_limiter.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(RateLimiter, AllowsUpToTheLimitPerWindowAndKey) {
  FakeClock clock;
  RateLimiter limiter(clock, 3, 60 * kMicrosPerSecond);
  EXPECT_TRUE(limiter.Allow("198.51.100.7"));
  EXPECT_TRUE(limiter.Allow("198.51.100.7"));
  clock.Advance(30 * kMicrosPerSecond);
  EXPECT_TRUE(limiter.Allow("198.51.100.7"));
  EXPECT_FALSE(limiter.Allow("198.51.100.7"));
  EXPECT_TRUE(limiter.Allow("203.0.113.9"));  // other keys have their own count
  // The window slides: the first two uses fall out after a minute, the third later.
  clock.Advance(30 * kMicrosPerSecond);
  EXPECT_TRUE(limiter.Allow("198.51.100.7"));
  EXPECT_TRUE(limiter.Allow("198.51.100.7"));
  EXPECT_FALSE(limiter.Allow("198.51.100.7"));
}

TEST(RateLimiter, ForgetsTheOldestKeysBeyondItsBound) {
  FakeClock clock;
  RateLimiter limiter(clock, 1, 3600 * kMicrosPerSecond, /*max_keys=*/2);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b"));
  EXPECT_TRUE(limiter.Allow("c"));  // "a" is forgotten to make room
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("c"));
}

}  // namespace
}  // namespace privacyd
