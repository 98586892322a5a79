#include "http/accept_language.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

const std::vector<std::string> kLanguages = {"en", "de", "fr"};

TEST(AcceptLanguageTest, PicksTheHighestQualityAvailableLanguage) {
  EXPECT_EQ(NegotiateLanguage("de", kLanguages), "de");
  EXPECT_EQ(NegotiateLanguage("de-CH, fr;q=0.8, en;q=0.5", kLanguages), "de");
  EXPECT_EQ(NegotiateLanguage("en;q=0.5, fr;q=0.9", kLanguages), "fr");
  EXPECT_EQ(NegotiateLanguage("es, FR-ca;q=0.7, en;q=0.3", kLanguages), "fr");
  EXPECT_EQ(NegotiateLanguage("de;q=0.500, en;q=0.5", kLanguages), "de");  // tie: first wins
}

TEST(AcceptLanguageTest, WildcardAndZeroQuality) {
  EXPECT_EQ(NegotiateLanguage("es, *;q=0.1", kLanguages), "en");
  EXPECT_EQ(NegotiateLanguage("en;q=0, *;q=0.5", kLanguages), "de");
  EXPECT_EQ(NegotiateLanguage("de;q=0", kLanguages), "");
}

TEST(AcceptLanguageTest, NothingAcceptableOrMalformedGivesEmpty) {
  EXPECT_EQ(NegotiateLanguage("", kLanguages), "");
  EXPECT_EQ(NegotiateLanguage("es, it", kLanguages), "");
  EXPECT_EQ(NegotiateLanguage("de;q=2, fr;q=abc, ,,;", kLanguages), "");
  EXPECT_EQ(NegotiateLanguage("de;q=2, en", kLanguages), "en");
}

}  // namespace
}  // namespace privacyd
