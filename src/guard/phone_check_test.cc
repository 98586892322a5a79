// GCC 12 warns inside libstdc++'s <regex> when it is inlined at -O1 (GCC bug 105562, a false
// positive); the asan build treats warnings as errors.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "guard/phone_check.h"

#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "guard/digit_pattern.h"

namespace privacyd::guard::internal {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using Verdict = PhoneCheck::Verdict;

// --- DigitPattern -------------------------------------------------------------------------------

TEST(DigitPatternTest, MatchesWholeInputOrPrefix) {
  auto p = DigitPattern::Compile("(?:1[2-4]|5)\\d{2,3}");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->FullMatch("1200"));
  EXPECT_TRUE(p->FullMatch("13000"));
  EXPECT_TRUE(p->FullMatch("599"));
  EXPECT_FALSE(p->FullMatch("1500"));
  EXPECT_FALSE(p->FullMatch("59"));
  EXPECT_FALSE(p->FullMatch("130000"));
  EXPECT_FALSE(p->FullMatch("12a0"));
  EXPECT_FALSE(p->FullMatch(""));
  EXPECT_TRUE(p->MatchesPrefix("130000"));
  EXPECT_FALSE(p->MatchesPrefix("15"));

  auto optional = DigitPattern::Compile("0?(?:|7)[89]?");
  ASSERT_TRUE(optional.has_value());
  EXPECT_TRUE(optional->FullMatch(""));
  EXPECT_TRUE(optional->FullMatch("078"));
  EXPECT_FALSE(optional->FullMatch("0788"));
  EXPECT_TRUE(optional->MatchesPrefix("555"));
}

TEST(DigitPatternTest, RefusesWhatItDoesNotImplement) {
  for (const char* pattern : {"(1)2", "1*", "1+", "\\w", "[^1]", "[a-z]", "1{2,}", "1??", "^1",
                              "1$", "(?=1)", "[12", "(?:1", "1)", "1{3,2}", "\\D"}) {
    EXPECT_FALSE(DigitPattern::Compile(pattern).has_value()) << pattern;
  }
}

// Every pattern of libphonenumber's syntax means what std::regex (ECMAScript) says it means.
TEST(DigitPatternTest, AgreesWithStdRegex) {
  const std::vector<std::string> patterns = {
      "[2-9]\\d{9}",
      "(?:2(?:0[1-35-9]|1[02-9]|2[03-589])|3(?:0[1-57-9]|1[02-9]))[2-9]\\d{6}",
      "(?:1(?:[0-3]\\d|4[0-4])|(?:2|5[0-36-9])\\d\\d?)\\d{4,7}",
      "0?(?:[1-9]\\d{2,3}|7(?:0\\d|1[01]))\\d{4}",
      "(?:(?:1\\d|2[1-3])\\d|3[0-3])?\\d{3}",
      "[13-9]\\d{7,8}|2\\d{7}",
  };
  uint64_t x = 12345;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (const std::string& pattern : patterns) {
    auto ours = DigitPattern::Compile(pattern);
    ASSERT_TRUE(ours.has_value()) << pattern;
    std::regex reference(pattern);
    std::regex reference_prefix("(?:" + pattern + ").*");
    for (int i = 0; i < 3000; ++i) {
      std::string digits;
      size_t length = next() % 14;
      for (size_t k = 0; k < length; ++k) digits += static_cast<char>('0' + next() % 10);
      EXPECT_EQ(ours->FullMatch(digits), std::regex_match(digits, reference))
          << pattern << " on " << digits;
      EXPECT_EQ(ours->MatchesPrefix(digits), std::regex_match(digits, reference_prefix))
          << pattern << " prefix of " << digits;
    }
  }
}

// --- PhoneCheck ---------------------------------------------------------------------------------

bool LibphonenumberValid(const std::string& text, const std::string& region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  return util.Parse(text, region, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
         util.IsValidNumber(number);
}

TEST(PhoneCheckTest, KnowsNumbersOfSeveralCountries) {
  auto us = PhoneCheck::Create("US");
  EXPECT_EQ(us->Check("+1 415 555 0132"), Verdict::kValid);
  EXPECT_EQ(us->Check("(415) 555-0132"), Verdict::kValid);
  EXPECT_EQ(us->Check("+49 30 901820"), Verdict::kValid);
  EXPECT_EQ(us->Check("+33 1 42 68 53 00"), Verdict::kValid);
  EXPECT_EQ(us->Check("+44 20 7946 0958"), Verdict::kValid);
  EXPECT_EQ(us->Check("011 44 20 7946 0958"), Verdict::kValid);  // US international prefix
  EXPECT_EQ(us->Check("+41 44 668 18 00"), Verdict::kValid);
  EXPECT_EQ(us->Check("+33 1 42 68 53"), Verdict::kInvalid);  // too short
  EXPECT_EQ(us->Check("791 805 8887"), Verdict::kInvalid);    // no such area code
  EXPECT_EQ(us->Check("030 901820"), Verdict::kInvalid);      // a German number
  EXPECT_EQ(us->Check("2024-11-0042"), Verdict::kValid);      // Washington, D.C. (the guard's
                                                              // LooksLikePhone refuses the shape)

  auto de = PhoneCheck::Create("DE");
  EXPECT_EQ(de->Check("030 901820"), Verdict::kValid);
  EXPECT_EQ(de->Check("0049 30 901820"), Verdict::kValid);
  EXPECT_EQ(de->Check("+49 (0)30 901820"), Verdict::kValid);
  EXPECT_EQ(de->Check("(415) 555-0132"), Verdict::kValid);  // Pfronten 55 50132
  EXPECT_EQ(de->Check("0049 10 1234 5678"), Verdict::kInvalid);
}

TEST(PhoneCheckTest, LeavesWhatItDoesNotImplementToLibphonenumber) {
  auto us = PhoneCheck::Create("US");
  // Argentina's national prefix is a regular expression with a transform rule.
  EXPECT_EQ(us->Check("+54 9 11 2345 6789"), Verdict::kUnknown);
  EXPECT_EQ(us->Check("+1 415 555 0132 ext"), Verdict::kUnknown);  // letters
  EXPECT_EQ(us->Check("12"), Verdict::kUnknown);
  // A region libphonenumber does not know: only international numbers are answered.
  auto nowhere = PhoneCheck::Create("QQ");
  EXPECT_EQ(nowhere->Check("415 555 0132"), Verdict::kUnknown);
  EXPECT_EQ(nowhere->Check("+1 415 555 0132"), Verdict::kValid);
  // Most regions are answered without libphonenumber.
  EXPECT_GT(us->regions(), 240u);
  EXPECT_GT(us->supported_regions() * 10, us->regions() * 8);
}

// The check against libphonenumber itself, over the example numbers of every region and type
// that libphonenumber's metadata holds, written in each format and with digits changed, added
// and removed, and over random digit strings: with the metadata read from the library, no
// update of libphonenumber can make the two disagree without this test noticing.
TEST(PhoneCheckTest, AgreesWithLibphonenumber) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::vector<std::string> texts;
  std::set<std::string> regions;
  util.GetSupportedRegions(&regions);
  auto add_variants = [&texts](const std::string& text) {
    texts.push_back(text);
    size_t last = text.find_last_of("0123456789");
    if (last == std::string::npos) return;
    std::string changed = text;
    changed[last] = static_cast<char>('0' + (changed[last] - '0' + 3) % 10);
    texts.push_back(changed);
    texts.push_back(text.substr(0, last) + text.substr(last + 1));
    texts.push_back(text + "7");
  };
  auto add_number = [&](const PhoneNumber& number) {
    for (auto format :
         {PhoneNumberUtil::E164, PhoneNumberUtil::INTERNATIONAL, PhoneNumberUtil::NATIONAL}) {
      std::string text;
      util.Format(number, format, &text);
      add_variants(text);
    }
  };
  std::vector<std::pair<std::string, size_t>> national_from;  // region, first text index
  for (const std::string& region : regions) {
    national_from.emplace_back(region, texts.size());
    std::set<PhoneNumberUtil::PhoneNumberType> types;
    util.GetSupportedTypesForRegion(region, &types);
    for (auto type : types) {
      PhoneNumber number;
      if (util.GetExampleNumberForType(region, type, &number)) add_number(number);
    }
  }
  national_from.emplace_back("", texts.size());
  std::set<int> global;
  util.GetSupportedGlobalNetworkCallingCodes(&global);
  for (int code : global) {
    PhoneNumber number;
    if (util.GetExampleNumberForNonGeoEntity(code, &number)) add_number(number);
  }
  uint64_t x = 99;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const char* prefixes[] = {"+", "+1 ", "+49 ", "+44 ", "+33 ", "00", "011 ", "0", "(0", "1 ", ""};
  for (int i = 0; i < 3000; ++i) {
    std::string text = prefixes[next() % std::size(prefixes)];
    size_t digits = 6 + next() % 10;
    for (size_t k = 0; k < digits; ++k) {
      if (k > 0 && next() % 4 == 0) text += " -./)"[next() % 5];
      text += static_cast<char>('0' + next() % 10);
    }
    texts.push_back(text);
  }

  size_t compared = 0, unknown = 0, mismatches = 0, valid = 0;
  std::map<std::string, std::unique_ptr<PhoneCheck>> checks;
  auto check_for = [&checks](const std::string& region) -> const PhoneCheck& {
    auto& check = checks[region];
    if (!check) check = PhoneCheck::Create(region);
    return *check;
  };
  for (size_t i = 0; i < texts.size(); ++i) {
    // National formats are read in their own region; everything also from the US and Germany.
    auto own =
        std::upper_bound(national_from.begin(), national_from.end(), i,
                         [](size_t index, const auto& entry) { return index < entry.second; });
    std::vector<std::string> defaults = {"US", "DE"};
    if (own != national_from.begin() && !std::prev(own)->first.empty()) {
      defaults.push_back(std::prev(own)->first);
    }
    for (const std::string& region : defaults) {
      Verdict verdict = check_for(region).Check(texts[i]);
      if (verdict == Verdict::kUnknown) {
        ++unknown;
        continue;
      }
      ++compared;
      bool expected = LibphonenumberValid(texts[i], region);
      valid += expected;
      if ((verdict == Verdict::kValid) != expected && ++mismatches <= 20) {
        ADD_FAILURE() << "\"" << texts[i] << "\" from " << region << ": libphonenumber says "
                      << (expected ? "valid" : "invalid");
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  // The check answers for itself for almost all of them (about 43,000 comparisons, 19,000 of
  // them valid numbers, against 3,700 left to libphonenumber with libphonenumber 8.12).
  EXPECT_GT(valid, 10000u);
  EXPECT_GT(compared - valid, 10000u);
  EXPECT_LT(unknown * 10, compared);
}

}  // namespace
}  // namespace privacyd::guard::internal
