#include "core/suggest.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(Suggest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("flaw", "lawn"), 2u);
}

TEST(Suggest, ClosestWithinReason) {
  std::vector<std::string> keys = {"max_body_bytes", "max_header_bytes", "listen"};
  EXPECT_EQ(SuggestClosest("max_body_byte", keys), "max_body_bytes");
  EXPECT_EQ(SuggestClosest("lisen", keys), "listen");
  EXPECT_EQ(SuggestClosest("something_else", keys), std::nullopt);
  EXPECT_EQ(SuggestClosest("x", {"y"}), "y");  // one edit is always allowed
  EXPECT_EQ(SuggestClosest("ab", {"cd"}), std::nullopt);
}

}  // namespace
}  // namespace privacyd
