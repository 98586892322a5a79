#include "core/percent_encoding.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(PercentEncoding, KeepsUnreservedAndEncodesTheRestAsUpperHex) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("unsubscribe tok/en?&=#"), "unsubscribe%20tok%2Fen%3F%26%3D%23");
  EXPECT_EQ(PercentEncode("Jürgen"), "J%C3%BCrgen");
  EXPECT_EQ(PercentEncode("a,b c", ","), "a,b%20c");
  EXPECT_EQ(PercentEncode(std::string_view("\0\n", 2)), "%00%0A");
}

}  // namespace
}  // namespace privacyd
