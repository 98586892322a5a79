#include "guard/guard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "guard/id_rules.h"
#include "guard/text_scan.h"
#include "testing/fixtures.h"

namespace privacyd::guard {
namespace {

class GuardTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Guard::Create({});
    ASSERT_TRUE(created.ok()) << created.error().message();
    guard_ = std::move(*created).release();
  }
  static void TearDownTestSuite() { delete guard_; }

  // The findings as "TYPE[start,end)" strings, for readable expectations.
  static std::vector<std::string> Found(std::string_view text, TypeSet types = TypeSet::All()) {
    std::vector<std::string> out;
    for (const Finding& f : guard_->Scan(text, types)) {
      out.push_back(std::string(FindingTypeName(f.type)) + "[" + std::to_string(f.start) + "," +
                    std::to_string(f.end) + ")");
    }
    return out;
  }

  static Guard* guard_;
};
Guard* GuardTest::guard_ = nullptr;

using Strings = std::vector<std::string>;

TEST_F(GuardTest, FindsIdentifiersWithTheirExactSpans) {
  EXPECT_EQ(Found("My SSN is 078-05-1121."), Strings{"US_SSN[10,21)"});
  EXPECT_EQ(Found("card 4111 1111 1111 1111 exp"), Strings{"CREDIT_CARD[5,24)"});
  EXPECT_EQ(Found("IBAN DE89 3704 0044 0532 0130 00 please"), Strings{"IBAN[5,32)"});
  EXPECT_EQ(Found("NI AB 12 34 56 C."), Strings{"UK_NINO[3,16)"});
  EXPECT_EQ(Found("PAN ABCPE1234F"), Strings{"IN_PAN[4,14)"});
  EXPECT_EQ(Found("NRIC S1234567D"), Strings{"SG_NRIC_FIN[5,14)"});
  EXPECT_EQ(Found("AHV 756.1234.5678.97"), Strings{"CH_AHV[4,20)"});
  EXPECT_EQ(Found("NIR 2 69 05 2A 123 456 88"), Strings{"FR_NIR[4,25)"});
}

TEST_F(GuardTest, BrokenCheckDigitsAreNotFound) {
  EXPECT_EQ(Found("card 4111 1111 1111 1112 exp"), Strings{});
  EXPECT_EQ(Found("IBAN DE89 3704 0044 0532 0130 01 please"), Strings{});
  EXPECT_EQ(Found("Aadhaar 2345 6789 0123"), Strings{});
}

TEST_F(GuardTest, AmbiguousNumbersNeedTheirContextWord) {
  // 11-proof valid, but nine bare digits could be many things.
  EXPECT_EQ(Found("Reference 111222333 attached"), Strings{});
  EXPECT_EQ(Found("Mijn BSN is 111222333"), Strings{"NL_BSN[12,21)"});
  EXPECT_EQ(Found("My passport number is A12345678"), Strings{"US_PASSPORT[22,31)"});
  EXPECT_EQ(Found("Order A12345678 shipped"), Strings{});
  // Numbers without a fixed shape are looked for around their context words.
  EXPECT_EQ(Found("Personalausweis: L01X00T471"), Strings{"DE_ID_CARD[17,27)"});
  EXPECT_EQ(Found("Personalausweis: L01X00T472"), Strings{});
  EXPECT_EQ(Found("My DL number N581-032-88-355-6 was entered"),
            Strings{"US_DRIVER_LICENSE[13,30)"});
  EXPECT_EQ(Found("Ticket N581-032-88-355-6 was entered"), Strings{});
}

TEST_F(GuardTest, NumbersGluedToOthersAreSplitAtSpacesOnly) {
  EXPECT_EQ(Found("Order 12345 078-05-1121 shipped"), Strings{"US_SSN[12,23)"});
  EXPECT_EQ(Found("ref 1078-05-1121 and +1 078-05-1121"), Strings{});
}

TEST_F(GuardTest, SpecialCategoriesNeedTheirPhrasingOrACue) {
  // A phrase of variable length is reported from the earliest word where it could begin, within
  // its sentence.
  std::vector<Finding> diagnosed =
      guard_->Scan("I was diagnosed with diabetes last year.", TypeSet::All());
  ASSERT_FALSE(diagnosed.empty());
  for (const Finding& f : diagnosed) EXPECT_EQ(f.type, FindingType::kHealth);
  EXPECT_LE(diagnosed.front().start, 2u);  // from "was diagnosed" (or "I")
  EXPECT_EQ(diagnosed.back().end, 29u);    // to the end of "diabetes"
  EXPECT_EQ(Found("ich bin Mitglied der SPD"), Strings{"POLITICAL[0,24)"});
  EXPECT_EQ(Found("je suis enceinte"), Strings{"HEALTH[0,16)"});
  // A cue inside the span of a phrase of variable length counts.
  std::vector<Finding> cued =
      guard_->Scan("Sorry, I have asthma.", TypeSet::Parse("HEALTH").value());
  ASSERT_EQ(cued.size(), 1u);
  EXPECT_EQ(cued[0].end, 20u);
  EXPECT_LE(cued[0].start, 14u);  // at least "asthma", perhaps the words before it
  EXPECT_EQ(Found("Sorry. I have. Asthma is common.", TypeSet::Parse("HEALTH").value()), Strings{});
  // A term without a personal cue in its sentence, and a business exclusion.
  EXPECT_EQ(Found("Our clinic treats diabetes."), Strings{});
  EXPECT_EQ(Found("My DMARC health check is fine"), Strings{});
  // An abbreviation is a whole word, not the end of a longer one.
  EXPECT_EQ(Found("Mein Archiv ist voll.", TypeSet::Parse("HEALTH").value()), Strings{});
  EXPECT_EQ(Found("I have HIV.", TypeSet::Parse("HEALTH").value()), Strings{"HEALTH[7,10)"});
}

TEST_F(GuardTest, OrdinaryIdentifiersOnlyWhenAsked) {
  std::string text =
      "mail john.doe@example.com or +1 415 555 2671 from 192.168.1.20 or 2001:db8::1";
  EXPECT_EQ(Found(text, TypeSet::Sensitive()), Strings{});
  EXPECT_EQ(Found(text),
            (Strings{"EMAIL[5,25)", "PHONE[29,44)", "IP_ADDRESS[50,62)", "IP_ADDRESS[66,77)"}));
  // Dates and order numbers are not phone numbers, nor 999.1.1.1 an address.
  EXPECT_EQ(
      Found("Invoice 2024-11-0042 from 999.1.1.1", TypeSet::Parse("PHONE,IP_ADDRESS").value()),
      Strings{});
}

// The guard's own phone check finds exactly what libphonenumber alone finds, in text full of
// numbers written the ways people write them, from the default region and from abroad.
TEST_F(GuardTest, PhoneCheckFindsWhatLibphonenumberFinds) {
  std::vector<std::string> texts;
  uint64_t x = 7;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const char* starts[] = {"+1 ",   "+49 ",    "+44 ", "+33 ", "+41 ", "+54 9 ", "+81 ", "+7 ",
                          "0049 ", "011 44 ", "0",    "(0",   "(",    "1-",     ""};
  const char* words[] = {"call ", "Tel. ", "order ", "ref ", "on ", "fax: ", ""};
  for (int t = 0; t < 400; ++t) {
    std::string text;
    for (int n = 0; n < 6; ++n) {
      text += words[next() % std::size(words)];
      text += starts[next() % std::size(starts)];
      size_t digits = 5 + next() % 10;
      for (size_t k = 0; k < digits; ++k) {
        text += static_cast<char>('0' + next() % 10);
        if (k + 1 < digits && next() % 3 == 0) text += " -./)"[next() % 5];
      }
      text += next() % 2 ? ". " : " and ";
    }
    texts.push_back(text);
  }
  texts.push_back("Call +1 (415) 555-0132, +49 30 901820 or +33 1 42 68 53 00 today.");
  for (std::string region : {"US", "DE"}) {
    GuardOptions options;
    options.default_region = region;
    auto fast = Guard::Create(options);
    options.fast_phone_check = false;
    auto slow = Guard::Create(options);
    ASSERT_TRUE(fast.ok() && slow.ok());
    size_t phones = 0;
    for (const std::string& text : texts) {
      auto found = (*fast)->Scan(text, TypeSet::All());
      EXPECT_EQ(found, (*slow)->Scan(text, TypeSet::All())) << region << ": " << text;
      phones += std::count_if(found.begin(), found.end(),
                              [](const Finding& f) { return f.type == FindingType::kPhone; });
    }
    EXPECT_GT(phones, 100u) << region;
  }
}

TEST_F(GuardTest, TypesFilterTheFindings) {
  std::string text = "SSN 078-05-1121, card 4111 1111 1111 1111";
  EXPECT_EQ(Found(text, TypeSet::Parse("CREDIT_CARD").value()), Strings{"CREDIT_CARD[22,41)"});
  EXPECT_EQ(Found(text, TypeSet()), Strings{});
}

TEST_F(GuardTest, AnyBytesAreSafe) {
  static constexpr char kBytes[] = "\xff\xfe SSN 078-05-1121 \0 \xc3";
  std::string text(kBytes, sizeof(kBytes) - 1);
  EXPECT_EQ(Found(text), Strings{"US_SSN[7,18)"});
  std::string digits(1 << 20, '7');
  EXPECT_EQ(Found(digits), Strings{});
  std::string groups;
  for (int i = 0; i < 100000; ++i) groups += "12 ";
  EXPECT_EQ(Found(groups), Strings{});
  EXPECT_EQ(Found(""), Strings{});
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "SSN 078-05-1121; I have asthma. ";
  EXPECT_EQ(guard_->Scan(many, TypeSet::Parse("US_SSN").value()).size(), 20000u);
}

TEST_F(GuardTest, StreamReportsWhatAScanOfTheWholeTextReports) {
  std::string text;
  for (int i = 0; i < 60000; ++i) {
    text += i % 997 == 0 ? "My SSN is 078-05-1121 and I was diagnosed with asthma. "
                         : "We would like a quote for 250 mailboxes. ";
  }
  std::istringstream in(text);
  std::vector<Finding> streamed;
  auto read =
      guard_->ScanStream(in, TypeSet::All(), [&](const Finding& f) { streamed.push_back(f); });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, text.size());
  EXPECT_EQ(streamed, guard_->Scan(text, TypeSet::All()));
  EXPECT_GT(streamed.size(), 100u);
}

TEST_F(GuardTest, ScansFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (guard_->Scan("SSN 078-05-1121", TypeSet::All()).size() != 1) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(GuardTest, BuiltInDatabaseStaysSmall) {
  // Size follows compile time and scan cost; docs/guard.md says how to keep lexicons fast.
  GuardStats stats = guard_->stats();
  EXPECT_GT(stats.patterns, 20u);
  EXPECT_LT(stats.database_bytes, size_t{16} << 20);
}

TEST_F(GuardTest, BuiltInDatabasesComeCompiledWithTheBinary) {
  // privacyd and this test binary link the databases the build compiled (CMakeLists.txt), with
  // the anchors of every rule of the two-stage scan.
  GuardStats stats = guard_->stats();
  EXPECT_TRUE(stats.precompiled);
  EXPECT_GT(stats.anchored_rules, 100u);
  EXPECT_GE(stats.anchors_precomputed, stats.anchored_rules);
  // Every rule and context word is anchored: no database is scanned over the whole text (an
  // unescaped "." in "u.s. passport" once made one, costing 7% of a form's scan).
  EXPECT_EQ(stats.anchored_rules, stats.rules);
  EXPECT_EQ(stats.whole_text_patterns, 0u);
}

// A rule of two-letter terms is found far into a text, in one pass and in two stages: the
// AVX-512 code of some Vectorscan releases misses such matches past the first 64 bytes
// (vectorscan_entry.h), and the guard scans through a copy of the code that does not.
TEST(GuardCreateTest, FindsTwoLetterTermsFarIntoTheText) {
  for (bool two_stage : {false, true}) {
    GuardOptions options;
    options.two_stage_lexicons = two_stage;
    options.lexicons.push_back({"short.yml",
                                "language: xx\nrules:\n  - category: HEALTH\n"
                                "    pattern: \"qv|qw\"\n"});
    auto guard = Guard::Create(options);
    ASSERT_TRUE(guard.ok()) << guard.error().message();
    EXPECT_FALSE((*guard)->stats().scan_entry.empty());
    for (size_t filler : {0, 70, 100, 300}) {
      std::string text;
      while (text.size() < filler) text += "Invoice sent. ";
      text += "qw.";
      std::vector<Finding> findings = (*guard)->Scan(text, TypeSet::Sensitive());
      ASSERT_EQ(findings.size(), 1u) << "two stages: " << two_stage << ", after " << text.size();
      EXPECT_EQ(findings[0].type, FindingType::kHealth);
      EXPECT_EQ(findings[0].start, text.size() - 3);
      EXPECT_EQ(findings[0].end, text.size() - 1);
    }
  }
}

TEST(GuardCreateTest, LoadsPrecompiledDatabasesOnlyWhenTheyMatch) {
  GuardOptions options;
  options.lexicons.push_back({"custom.yml",
                              "language: xx\nlists:\n  c: [asthma, flu]\n"
                              "cues: [i]\nrules:\n  - category: HEALTH\n"
                              "    pattern: \"{c}\"\n    needs_cue: true\n"
                              "id_context:\n  NL_BSN: [bsn]\n"});
  auto blob = Guard::Precompile(options);
  ASSERT_TRUE(blob.ok()) << blob.error().message();
  auto compiled = Guard::Create(options);
  ASSERT_TRUE(compiled.ok());
  EXPECT_FALSE((*compiled)->stats().precompiled);
  options.precompiled = *blob;
  auto loaded = Guard::Create(options);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE((*loaded)->stats().precompiled);
  // The anchors come with the blob, and are the ones worked out from scratch.
  EXPECT_EQ((*compiled)->stats().anchors_precomputed, 0u);
  EXPECT_EQ((*loaded)->stats().anchors_precomputed, 1u);  // the rule
  EXPECT_EQ((*loaded)->stats().anchored_rules, (*compiled)->stats().anchored_rules);
  EXPECT_EQ((*loaded)->stats().anchor_words, (*compiled)->stats().anchor_words);
  EXPECT_EQ((*loaded)->stats().anchor_bytes, (*compiled)->stats().anchor_bytes);
  std::string text = "SSN 078-05-1121, I have asthma; BSN 111222333, mail a@example.org";
  std::vector<Finding> expected = (*compiled)->Scan(text, TypeSet::All());
  EXPECT_EQ(expected.size(), 4u);  // SSN, HEALTH, BSN, EMAIL
  EXPECT_EQ((*loaded)->Scan(text, TypeSet::All()), expected);

  // Damaged, truncated, or made for other lexicons: compiled instead, and just as right.
  std::string damaged = *blob;
  damaged[damaged.size() / 2] ^= 0x5a;
  for (std::string_view bad : {std::string_view(damaged), std::string_view(*blob).substr(0, 100),
                               std::string_view("nonsense")}) {
    options.precompiled = bad;
    auto guard = Guard::Create(options);
    ASSERT_TRUE(guard.ok());
    EXPECT_EQ((*guard)->Scan(text, TypeSet::All()), expected);
  }
  // A damaged anchor is never used: the memo is checked by its hash.
  std::string word_damaged = *blob;
  size_t asthma = word_damaged.find("asthma");
  // The memo follows the format line and its own length (vectorscan_guard.cc, kBlobMagic).
  const size_t memo_at = word_damaged.find('\n') + 1 + sizeof(uint64_t);
  uint64_t memo_bytes = 0;
  std::memcpy(&memo_bytes, word_damaged.data() + memo_at - sizeof(uint64_t), sizeof memo_bytes);
  ASSERT_GT(asthma, memo_at);
  ASSERT_LT(asthma, memo_at + memo_bytes) << "the anchor word, in the memo";
  ASSERT_NE(asthma, std::string::npos);
  word_damaged[asthma] = 'X';
  options.precompiled = word_damaged;
  auto guard = Guard::Create(options);
  ASSERT_TRUE(guard.ok());
  EXPECT_EQ((*guard)->stats().anchors_precomputed, 0u);
  EXPECT_EQ((*guard)->Scan(text, TypeSet::All()), expected);
  options.precompiled = *blob;
  options.lexicons[0].text += "exclude: [flu shot]\n";
  auto other = Guard::Create(options);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->stats().precompiled);
  // The excluded phrase changes no rule: the anchors still fit.
  EXPECT_EQ((*other)->stats().anchors_precomputed, 1u);
  // A changed rule does not: its anchors are worked out again, and the new word is found.
  std::string changed = options.lexicons[0].text;
  changed.replace(changed.find("[asthma, flu]"), 13, "[asthma, flu, gout]");
  options.lexicons[0].text = changed;
  auto rebuilt = Guard::Create(options);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ((*rebuilt)->stats().anchors_precomputed, 0u);
  EXPECT_EQ((*rebuilt)->stats().anchored_rules, 1u);
  auto gout = (*rebuilt)->Scan("I have gout", TypeSet::All());
  ASSERT_EQ(gout.size(), 1u);
  EXPECT_EQ(gout[0].type, FindingType::kHealth);
}

TEST(GuardCreateTest, PrecompiledPlanCarriesPairAnchors) {
  // Every word of "in support of" is common: the rule is anchored on a pair of its words.
  GuardOptions options;
  options.lexicons.push_back({"custom.yml",
                              "language: xx\nrules:\n  - category: POLITICAL\n"
                              "    pattern: \"in support of\"\n"});
  auto blob = Guard::Precompile(options);
  ASSERT_TRUE(blob.ok()) << blob.error().message();
  auto compiled = Guard::Create(options);
  ASSERT_TRUE(compiled.ok());
  const std::string text = "We support our team; we marched in support of them. In support\nof";
  std::vector<Finding> expected = (*compiled)->Scan(text, TypeSet::All());
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected[0].type, FindingType::kPolitical);
  EXPECT_EQ(expected[0].end, 45u);  // "in support of", not the one across the line break
  // Single-word anchors find the same.
  GuardOptions single = options;
  single.pair_anchors = false;
  auto words = Guard::Create(single);
  ASSERT_TRUE(words.ok());
  EXPECT_EQ((*words)->Scan(text, TypeSet::All()), expected);

  // The pair comes with the blob, and is the one worked out from scratch.
  options.precompiled = *blob;
  auto loaded = Guard::Create(options);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE((*loaded)->stats().precompiled);
  EXPECT_EQ((*loaded)->stats().anchors_precomputed, 1u);
  EXPECT_EQ((*loaded)->stats().anchor_bytes, (*compiled)->stats().anchor_bytes);
  EXPECT_EQ((*loaded)->Scan(text, TypeSet::All()), expected);

  // A damaged pair is never used: the plan is checked by its hash. In the plan, the word looked
  // up ("support") is followed by its flags and spaces (8 bytes), the other word's length (8
  // bytes) and the other word ("in", before it).
  std::string damaged = *blob;
  size_t first = damaged.find("support");
  ASSERT_NE(first, std::string::npos);
  size_t other = first + 7 + 2 * sizeof(uint64_t);
  ASSERT_EQ(damaged.substr(other, 2), "in");
  damaged[other] = 'X';
  options.precompiled = damaged;
  auto guard = Guard::Create(options);
  ASSERT_TRUE(guard.ok());
  EXPECT_EQ((*guard)->stats().anchors_precomputed, 0u);
  EXPECT_EQ((*guard)->Scan(text, TypeSet::All()), expected);

  // A blob of the format before pairs is not read at all: compiled instead, and just as right.
  std::string stale = *blob;
  ASSERT_EQ(stale.rfind("privacyd-guard-4\n", 0), 0u);
  stale[15] = '3';
  options.precompiled = stale;
  guard = Guard::Create(options);
  ASSERT_TRUE(guard.ok());
  EXPECT_FALSE((*guard)->stats().precompiled);
  EXPECT_EQ((*guard)->stats().anchors_precomputed, 0u);
  EXPECT_EQ((*guard)->Scan(text, TypeSet::All()), expected);

  // Nor is the plan of pairs followed when pairs are off; the databases still fit.
  single.precompiled = *blob;
  guard = Guard::Create(single);
  ASSERT_TRUE(guard.ok());
  EXPECT_TRUE((*guard)->stats().precompiled);
  EXPECT_EQ((*guard)->stats().anchors_precomputed, 0u);
  EXPECT_EQ((*guard)->Scan(text, TypeSet::All()), expected);
}

TEST(GuardCreateTest, ReportsWhichLexiconPatternDoesNotCompile) {
  GuardOptions options;
  options.lexicons.push_back({"custom.yml",
                              "language: xx\nrules:\n  - category: HEALTH\n"
                              "    pattern: \"(unclosed\"\n"});
  auto guard = Guard::Create(options);
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().code(), "lexicon_invalid");
  EXPECT_NE(guard.error().message().find("custom.yml: rules[0]"), std::string::npos)
      << guard.error().message();
}

TEST(GuardCreateTest, ReportsAnUnknownCategory) {
  GuardOptions options;
  options.lexicons.push_back({"custom.yml",
                              "language: xx\nrules:\n  - category: HEALTHY\n"
                              "    pattern: flu\n"});
  auto guard = Guard::Create(options);
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().code(), "lexicon_invalid");
  EXPECT_NE(guard.error().message().find("rules[0].category"), std::string::npos);
}

// The texts of the labelled corpus (tests/guard/corpus/*.jsonl), one per line.
std::vector<std::string> CorpusTexts() {
  std::vector<std::string> texts;
  for (const char* file : {"clean", "ids", "lookalikes", "special"}) {
    std::istringstream in(
        testing::ReadSourceFile(std::string("tests/guard/corpus/") + file + ".jsonl"));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
    }
  }
  return texts;
}

// Form submissions of about 2 KB made of the sentences of the benchmark's forms and of the
// corpus, joined by every separator the sentence rules know, some of them upper-cased, cut
// mid-word, or with letters that Vectorscan folds across lengths (the Kelvin sign, the long s),
// an upper-case umlaut, NUL bytes and invalid UTF-8.
std::vector<std::string> GeneratedForms(const std::vector<std::string>& corpus, size_t count) {
  std::vector<std::string> sentences = corpus;
  std::istringstream in(testing::ReadSourceFile("bench/data/forms.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#' && line[0] != '[') sentences.push_back(line);
  }
  std::mt19937 random(20261127);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  const std::vector<std::string> separators = {" ", ". ", "\n", "; ", ", ", "! ", "  ", "\t"};
  const std::vector<std::string> oddities = {"\xE2\x84\xAA",       "\xC5\xBF", "\xC3\x9C",
                                             std::string(1, '\0'), "\xFF",     "\xC3"};
  std::vector<std::string> forms;
  for (size_t f = 0; f < count; ++f) {
    std::string form;
    while (form.size() < 2048) {
      std::string sentence = sentences[pick(sentences.size())];
      switch (pick(8)) {
        case 0:
          for (char& c : sentence)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          break;
        case 1:
          sentence = sentence.substr(pick(sentence.size()));
          break;
        case 2:
          for (size_t i = 0; i < sentence.size(); ++i) {
            char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(sentence[i])));
            if ((lower == 'k' || lower == 's') && pick(3) == 0) {
              sentence.replace(i, 1, lower == 'k' ? oddities[0] : oddities[1]);
            }
          }
          break;
        case 3:
          sentence.insert(pick(sentence.size()), oddities[pick(oddities.size())]);
          break;
        default:
          break;
      }
      form += sentence;
      form += separators[pick(separators.size())];
    }
    forms.push_back(std::move(form));
  }
  return forms;
}

// The two-stage lexicon scan (the default) finds exactly what one pass of every rule over the
// whole text finds, over the corpus and generated forms, with every type and the sensitive ones.
TEST(GuardTwoStageTest, FindsExactlyWhatTheSinglePassFinds) {
  auto two = Guard::Create({});
  ASSERT_TRUE(two.ok()) << two.error().message();
  GuardOptions single;
  single.two_stage_lexicons = false;
  auto one = Guard::Create(single);
  ASSERT_TRUE(one.ok()) << one.error().message();
  EXPECT_GT((*two)->stats().anchored_rules, 0u);
  EXPECT_EQ((*one)->stats().anchored_rules, 0u);
  std::vector<std::string> texts = CorpusTexts();
  ASSERT_GT(texts.size(), 1000u);
  std::vector<std::string> forms = GeneratedForms(texts, 1500);
  texts.insert(texts.end(), forms.begin(), forms.end());
  size_t special = 0;
  for (const std::string& text : texts) {
    for (TypeSet types : {TypeSet::All(), TypeSet::Sensitive()}) {
      std::vector<Finding> expected = (*one)->Scan(text, types);
      ASSERT_EQ((*two)->Scan(text, types), expected) << text;
      special += std::count_if(expected.begin(), expected.end(),
                               [](const Finding& f) { return f.type >= FindingType::kHealth; });
    }
  }
  // The comparison covers many special-category findings, not only their absence.
  EXPECT_GT(special, 2000u);
}

// The identifier triggers found by a pass over the text (the default) give exactly the findings
// of the triggers compiled into Vectorscan, over the corpus and generated forms, with every type
// and the sensitive ones.
TEST(GuardTriggerPassTest, FindsExactlyWhatTheVectorscanTriggersFind) {
  auto now = Guard::Create({});
  ASSERT_TRUE(now.ok()) << now.error().message();
  GuardOptions before;
  before.trigger_pass = false;
  auto then = Guard::Create(before);
  ASSERT_TRUE(then.ok()) << then.error().message();
  std::vector<std::string> texts = CorpusTexts();
  ASSERT_GT(texts.size(), 1000u);
  std::vector<std::string> forms = GeneratedForms(texts, 1500);
  texts.insert(texts.end(), forms.begin(), forms.end());
  size_t identifiers = 0;
  for (const std::string& text : texts) {
    for (TypeSet types : {TypeSet::All(), TypeSet::Sensitive()}) {
      std::vector<Finding> expected = (*then)->Scan(text, types);
      ASSERT_EQ((*now)->Scan(text, types), expected) << text;
      identifiers += std::count_if(expected.begin(), expected.end(),
                                   [](const Finding& f) { return f.type < FindingType::kHealth; });
    }
  }
  // The comparison covers many identifiers (EMAIL, PHONE and IP_ADDRESS among them).
  EXPECT_GT(identifiers, 2000u);
}

TEST(TypeSetTest, ParsesNamesAndSuggestsTheClosest) {
  auto set = TypeSet::Parse(" US_SSN , IBAN");
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->Contains(FindingType::kUsSsn));
  EXPECT_TRUE(set->Contains(FindingType::kIban));
  EXPECT_FALSE(set->Contains(FindingType::kEmail));
  auto bad = TypeSet::Parse("US_SSN,IBANN");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "unknown_finding_type");
  EXPECT_NE(bad.error().message().find("did you mean 'IBAN'"), std::string::npos);
  EXPECT_FALSE(TypeSet::Sensitive().Contains(FindingType::kPhone));
  EXPECT_TRUE(TypeSet::Sensitive().Contains(FindingType::kHealth));
}

// The scanner asks a type's check-digit validator only about numbers of its digit counts
// (NumericType::digit_counts): no number of another count may be valid for it, however its
// digits are grouped.
TEST(NumericTypesTest, ValidatorsAcceptNoOtherDigitCount) {
  std::mt19937 random(11);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  const std::string separators = " -./";
  size_t asked = 0;
  for (const internal::NumericType& n : internal::kNumericTypes) {
    if (n.digit_counts == 0) {
      // Numbers of these types are looked for around their context words, not classified.
      EXPECT_FALSE(internal::ValidatorOf(n.type).has_value()) << FindingTypeName(n.type);
      continue;
    }
    for (size_t digits = 6; digits <= 19; ++digits) {
      if ((n.digit_counts >> digits) & 1) continue;
      for (int k = 0; k < 3000; ++k) {
        std::string candidate;
        char separator = separators[pick(separators.size())];
        for (size_t d = 0; d < digits; ++d) {
          if (d > 0 && pick(4) == 0) candidate += separator;
          candidate += static_cast<char>('0' + pick(10));
        }
        ++asked;
        ASSERT_FALSE(internal::ValidAs(n.type, candidate))
            << FindingTypeName(n.type) << " accepts " << candidate;
      }
    }
  }
  EXPECT_GT(asked, 500000u);
}

TEST(TextScanTest, DigitRunsJoinGroupsBySingleSeparators) {
  std::string text = "x 12-34 56..78";
  std::vector<internal::DigitGroup> run = {{0, 1, 0}};  // appended to
  internal::DigitRunAt(text, 3, run);
  run.erase(run.begin());
  ASSERT_EQ(run.size(), 3u);
  EXPECT_EQ(run.front().start, 2u);
  EXPECT_EQ(run.back().end, 10u);
  EXPECT_EQ(run[1].separator, '-');
  EXPECT_EQ(run[2].separator, ' ');
}

TEST(TextScanTest, SanitizeKeepsOffsets) {
  std::string out;
  EXPECT_FALSE(internal::SanitizeUtf8("ascii and é", out));
  ASSERT_TRUE(
      internal::SanitizeUtf8("a\xff"
                             "b\xc3",
                             out));
  EXPECT_EQ(out,
            "a\x1a"
            "b\x1a");
}

// Byte by byte, the rules of RFC 3629: each byte that is not part of a valid sequence becomes
// 0x1A.
std::string SanitizedByteByByte(std::string_view text) {
  std::string out(text);
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    bool valid = n > 0 && i + n <= text.size();
    for (size_t k = 1; valid && k < n; ++k) {
      auto b = static_cast<unsigned char>(text[i + k]);
      unsigned lo = 0x80, hi = 0xBF;
      if (k == 1 && c == 0xE0) lo = 0xA0;
      if (k == 1 && c == 0xED) hi = 0x9F;
      if (k == 1 && c == 0xF0) lo = 0x90;
      if (k == 1 && c == 0xF4) hi = 0x8F;
      valid = b >= lo && b <= hi;
    }
    if (!valid) {
      out[i] = '\x1a';
      n = 1;
    }
    i += n;
  }
  return out;
}

// Valid and invalid sequences at every offset of the eight bytes the fast path reads at once.
TEST(TextScanTest, SanitizeFindsEveryInvalidByte) {
  const std::vector<std::string> pieces = {
      "a",    "word ", "\xC3\xA9",     "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF",
      "\xC3", "\x80",  "\xED\xA0\x80", "\xE0\x80\x80", "\xF4\x90\x80\x80"};
  std::mt19937 random(3629);
  for (size_t t = 0; t < 20000; ++t) {
    std::string text;
    size_t size = std::uniform_int_distribution<size_t>(0, 40)(random);
    while (text.size() < size) {
      text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(random)];
    }
    std::string expected = SanitizedByteByByte(text);
    std::string out = "untouched";
    bool changed = internal::SanitizeUtf8(text, out);
    ASSERT_EQ(changed, expected != text) << text;
    ASSERT_EQ(changed ? out : std::string("untouched"), changed ? expected : out) << text;
  }
}

}  // namespace
}  // namespace privacyd::guard
