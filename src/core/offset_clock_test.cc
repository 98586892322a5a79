#include "core/offset_clock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace privacyd {
namespace {

TEST(OffsetFileClock, TheFileMovesTheClockAndABadFileMeansNoOffset) {
  std::string path = ::testing::TempDir() + "offset_clock_" + std::to_string(getpid());
  OffsetFileClock clock(path, std::chrono::milliseconds(0));  // read on every call
  SystemClock system;
  EXPECT_EQ(clock.OffsetSeconds(), 0);  // no file
  std::ofstream(path) << "86400\n";
  EXPECT_EQ(clock.OffsetSeconds(), 86400);
  Micros moved = clock.Now() - system.Now();
  EXPECT_GE(moved, 86399 * kMicrosPerSecond);
  EXPECT_LE(moved, 86401 * kMicrosPerSecond);
  std::ofstream(path) << "-60";
  EXPECT_EQ(clock.OffsetSeconds(), -60);
  std::ofstream(path) << "soon";
  EXPECT_EQ(clock.OffsetSeconds(), 0);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace privacyd
