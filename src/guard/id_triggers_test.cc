#include "guard/id_triggers.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <random>
#include <string>
#include <vector>

#include "guard/vectorscan_entry.h"

namespace privacyd::guard::internal {
namespace {

// Every trigger's expression compiled into one Vectorscan database, as the guard compiled them
// before FindTriggers.
class Vectorscan {
 public:
  Vectorscan() {
    std::vector<std::string> expressions;
    std::vector<const char*> pointers;
    std::vector<unsigned> flags, ids;
    for (unsigned t = 0; t < kTriggerCount; ++t) {
      expressions.emplace_back(TriggerExpression(static_cast<Trigger>(t)));
    }
    for (unsigned t = 0; t < kTriggerCount; ++t) {
      pointers.push_back(expressions[t].c_str());
      flags.push_back(0);
      ids.push_back(t);
    }
    hs_compile_error_t* error = nullptr;
    EXPECT_EQ(hs_compile_multi(pointers.data(), flags.data(), ids.data(), kTriggerCount,
                               HS_MODE_BLOCK, nullptr, &database_, &error),
              HS_SUCCESS);
    EXPECT_EQ(hs_alloc_scratch(database_, &scratch_), HS_SUCCESS);
  }
  ~Vectorscan() {
    hs_free_scratch(scratch_);
    hs_free_database(database_);
  }

  std::vector<TriggerEnd> Ends(std::string_view text, bool ordinary) {
    std::vector<TriggerEnd> out;
    auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                       void* context) {
      static_cast<std::vector<TriggerEnd>*>(context)->push_back(
          {static_cast<size_t>(to), static_cast<Trigger>(id)});
      return 0;
    };
    CheckedVectorscan().scan(database_, text.data(), static_cast<unsigned>(text.size()), 0,
                             scratch_, on_match, &out);
    std::vector<TriggerEnd> kept;
    for (TriggerEnd end : out) {
      if (ordinary || end.trigger < Trigger::kEmail) kept.push_back(end);
    }
    std::sort(kept.begin(), kept.end(), [](const TriggerEnd& a, const TriggerEnd& b) {
      return a.to != b.to ? a.to < b.to : a.trigger < b.trigger;
    });
    return kept;
  }

 private:
  hs_database_t* database_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

std::vector<TriggerEnd> Found(std::string_view text, bool ordinary) {
  std::vector<TriggerEnd> out;
  FindTriggers(text, ordinary, out);
  return out;
}

TEST(FindTriggersTest, ReportsTheEndsOfEachExpression) {
  using T = Trigger;
  using Ends = std::vector<TriggerEnd>;
  EXPECT_EQ(Found("order 12345 ok", true), Ends{});
  // The sixth digit of a run and each after it.
  EXPECT_EQ(Found("078-05-1120", false),
            (Ends{{8, T::kDigits}, {9, T::kDigits}, {10, T::kDigits}, {11, T::kDigits}}));
  EXPECT_EQ(Found("QQ 12 34 56 C", false), (Ends{{11, T::kDigits}, {13, T::kNino}}));
  // "PE12" has the shape of an IBAN's start too.
  EXPECT_EQ(Found("ABCPE1234F", false), (Ends{{7, T::kIban}, {10, T::kPan}}));
  EXPECT_EQ(Found("DE89 3704", false), (Ends{{4, T::kIban}, {9, T::kDigits}}));
  EXPECT_EQ(Found("2A 123 456 78", false),
            (Ends{{10, T::kDigits}, {12, T::kDigits}, {13, T::kDigits}, {13, T::kCorsicanNir}}));
  EXPECT_EQ(Found("a@b.c 10.0.0.1 fe80::1", false), Ends{});
  EXPECT_EQ(Found("a@b.c 10.0.0.1 fe80::1", true),
            (Ends{{3, T::kEmail}, {14, T::kIpv4}, {22, T::kIpv6}}));
}

// FindTriggers reports what Vectorscan reports for the expressions, on random texts made of the
// bytes the expressions look at (and a few others), at every length and across the 64-byte
// blocks it classifies.
TEST(FindTriggersTest, ReportsWhatVectorscanReports) {
  Vectorscan vectorscan;
  const std::string alphabet =
      std::string("0123456789012345678901234567890123456789  ..--//::@@AABBCCDDaabbddEeFfZzx2") +
      std::string(1, '\0') + "\xC3\xFF";
  std::mt19937 random(5);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  size_t compared = 0;
  std::vector<size_t> per_trigger(kTriggerCount, 0);
  // Pieces that make the rarer expressions likely: groups of one to four digits after dots and
  // colons, department codes of Corsica, upper-case letters before digits.
  const std::vector<std::string> pieces = {"2A",  "2b",   ".", ":",   "::",  "@",  " ",
                                           "-",   "DE",   "Q", "c",   "fe",  "1",  "12",
                                           "123", "1234", "0", "255", "10.", "1.", "255."};
  for (size_t t = 0; t < 40000; ++t) {
    std::string text;
    size_t size = pick(t < 20000 ? 40 : 300);
    if (t % 2 == 0) {
      while (text.size() < size) text += pieces[pick(pieces.size())];
    } else {
      // Some texts mostly digits, for long runs; others mostly separators and letters.
      size_t digits = pick(4);
      for (size_t i = 0; i < size; ++i) {
        text +=
            pick(4) < digits ? static_cast<char>('0' + pick(10)) : alphabet[pick(alphabet.size())];
      }
    }
    for (bool ordinary : {false, true}) {
      std::vector<TriggerEnd> expected = vectorscan.Ends(text, ordinary);
      ASSERT_EQ(Found(text, ordinary), expected) << text;
      for (TriggerEnd end : expected) ++per_trigger[static_cast<size_t>(end.trigger)];
      ++compared;
    }
  }
  // Every trigger was seen many times, not only its absence.
  for (size_t t = 0; t < kTriggerCount; ++t) EXPECT_GT(per_trigger[t], 100u) << t;
  EXPECT_EQ(compared, 80000u);
}

}  // namespace
}  // namespace privacyd::guard::internal
