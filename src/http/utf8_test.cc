#include "http/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace privacyd {
namespace {

// The byte-at-a-time validator IsValidUtf8 used before it went to simdjson's: the reference
// the random test compares it with.
bool ReferenceIsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t len;
    // Bounds of the second byte (Table 3-7 of the Unicode standard).
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t i = 2; i < len; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += len;
  }
  return true;
}

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(
      IsValidUtf8("Gr\xC3\xBC\xC3\x9F"
                  "e"));                                     // Grüße
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));                  // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));                  // U+D7FF, below surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));                  // U+E000, above surrogates
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));              // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));              // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));  // NUL is valid UTF-8
}

TEST(IsValidUtf8Test, RejectsOverlongEncodings) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));  // '/' in two bytes
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(IsValidUtf8Test, RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
}

TEST(IsValidUtf8Test, RejectsAboveMaximumAndInvalidLeads) {
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xFE"));
}

TEST(IsValidUtf8Test, RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));      // missing continuation
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));  // truncated at end
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(
      IsValidUtf8("\xE2\x82"
                  "a"));              // interrupted by ASCII
  EXPECT_FALSE(IsValidUtf8("\x80"));  // stray continuation
  EXPECT_FALSE(
      IsValidUtf8("a\xBF"
                  "b"));
}

// Well-formed text of every length up to a few vector widths, with one, two or no bytes
// changed at random: both validators agree on every string, and both kinds of answer occur.
TEST(IsValidUtf8Test, AgreesWithTheByteAtATimeValidatorOnRandomText) {
  std::mt19937 random(20261128);
  const std::string pieces[] = {"a",
                                "~",
                                std::string("\0", 1),
                                "\xC3\xBC",
                                "\xE2\x82\xAC",
                                "\xED\x9F\xBF",
                                "\xF0\x9F\x98\x80",
                                "\xF4\x8F\xBF\xBF"};
  size_t valid = 0, invalid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t target = random() % 200;
    while (text.size() < target) text += pieces[random() % std::size(pieces)];
    for (unsigned changes = random() % 3; changes > 0 && !text.empty(); --changes) {
      text[random() % text.size()] = static_cast<char>(random() % 256);
    }
    const bool expected = ReferenceIsValidUtf8(text);
    ASSERT_EQ(IsValidUtf8(text), expected) << testing::PrintToString(text);
    ++(expected ? valid : invalid);
  }
  EXPECT_GT(valid, 5000u);
  EXPECT_GT(invalid, 5000u);
}

}  // namespace
}  // namespace privacyd
