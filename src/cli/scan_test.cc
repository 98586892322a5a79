#include "cli/scan.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "testing/failing_streambuf.h"
#include "testing/fake_guard.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

using guard::FindingType;
using std::string_literals::operator""s;
using testing::FakeGuard;

FakeGuard Needles() {
  return FakeGuard({{"111-22-3333", FindingType::kUsSsn, 0.95},
                    {"DE00IBAN", FindingType::kIban, 0.9, "mod97"},
                    {"a@b.c", FindingType::kEmail, 0.8, "format"}});
}

struct Scanned {
  Result<ScanSummary> summary;
  std::string out;
};

Scanned Scan(const guard::Guard& guard, const std::string& input,
             ScanFormat format = ScanFormat::kJsonl,
             const guard::TypeSet& types = guard::TypeSet::All()) {
  std::istringstream in(input);
  std::ostringstream out;
  auto summary = ScanLines(guard, types, format, in, out);
  return {std::move(summary), out.str()};
}

TEST(ScanLines, WritesOneJsonObjectPerFindingWithLineAndOffsetsNeverTheText) {
  FakeGuard guard = Needles();
  auto scanned = Scan(guard, "clean\r\nssn 111-22-3333 and DE00IBAN\n\nx a@b.c");
  ASSERT_TRUE(scanned.summary.ok()) << scanned.summary.error().message();
  EXPECT_EQ(
      scanned.out,
      R"({"line":2,"start":4,"end":15,"type":"US_SSN",)"
      R"("category":"user.government_id.national_identification_number","score":0.95})"
      "\n"
      R"({"line":2,"start":20,"end":28,"type":"IBAN","category":"user.financial.bank_account",)"
      R"("score":0.9})"
      "\n"
      R"({"line":4,"start":2,"end":7,"type":"EMAIL","category":"user.contact.email",)"
      R"("score":0.8})"
      "\n");
  EXPECT_EQ(scanned.summary->lines, 4u);
  EXPECT_EQ(scanned.summary->findings, 3u);
  EXPECT_EQ(scanned.summary->sensitive_findings, 2u);
  EXPECT_EQ(scanned.out.find("111-22-3333"), std::string::npos);
  EXPECT_EQ(scanned.out.find("DE00IBAN"), std::string::npos);
}

TEST(ScanLines, TextFormatSaysWhereAndWhatButNotTheText) {
  FakeGuard guard = Needles();
  auto scanned = Scan(guard, "\n\nmy ssn: 111-22-3333\n", ScanFormat::kText);
  ASSERT_TRUE(scanned.summary.ok());
  EXPECT_EQ(scanned.out,
            "3:8-19 US_SSN (user.government_id.national_identification_number) score 0.95\n");
}

TEST(ScanLines, ScansOnlyTheTypesAskedFor) {
  FakeGuard guard = Needles();
  guard::TypeSet email;
  email.Add(FindingType::kEmail);
  auto scanned = Scan(guard, "111-22-3333 a@b.c\n", ScanFormat::kText, email);
  ASSERT_TRUE(scanned.summary.ok());
  EXPECT_EQ(scanned.out, "1:12-17 EMAIL (user.contact.email) score 0.80\n");
  EXPECT_EQ(scanned.summary->sensitive_findings, 0u);
  EXPECT_TRUE(guard.last_types().Contains(FindingType::kEmail));
  EXPECT_FALSE(guard.last_types().Contains(FindingType::kUsSsn));
}

TEST(ScanLines, OffsetsCountBytesOfLinesWithNulBytesAndInvalidUtf8) {
  FakeGuard guard = Needles();
  auto scanned = Scan(guard, "\0\xff\xfe 111-22-3333\r\n\xc3"s, ScanFormat::kText);
  ASSERT_TRUE(scanned.summary.ok());
  EXPECT_EQ(scanned.out,
            "1:4-15 US_SSN (user.government_id.national_identification_number) score 0.95\n");
  EXPECT_EQ(scanned.summary->lines, 2u);
}

TEST(ScanLines, EmptyInputHasNoLinesAndNoOutput) {
  FakeGuard guard = Needles();
  auto scanned = Scan(guard, "");
  ASSERT_TRUE(scanned.summary.ok());
  EXPECT_EQ(scanned.out, "");
  EXPECT_EQ(scanned.summary->lines, 0u);
  EXPECT_EQ(guard.scans(), 0u);
}

// More output than one block: everything arrives, in order.
TEST(ScanLines, WritesOutputLargerThanItsBuffer) {
  FakeGuard guard = Needles();
  std::string line;
  for (int i = 0; i < 20000; ++i) line += "111-22-3333 ";
  std::string input = line + "\n" + line;
  auto scanned = Scan(guard, input, ScanFormat::kText);
  ASSERT_TRUE(scanned.summary.ok());
  EXPECT_EQ(scanned.summary->findings, 40000u);
  std::istringstream lines(scanned.out);
  std::string record;
  size_t count = 0;
  while (std::getline(lines, record)) {
    size_t line_number = count < 20000 ? 1 : 2;
    size_t start = (count % 20000) * 12;
    EXPECT_EQ(record.substr(0, record.find(' ')), std::to_string(line_number) + ":" +
                                                      std::to_string(start) + "-" +
                                                      std::to_string(start + 11));
    ++count;
  }
  EXPECT_EQ(count, 40000u);
}

using FailingBuf = testing::FailingStreambuf;

TEST(ScanLines, AReadErrorKeepsTheFindingsBeforeIt) {
  FakeGuard guard = Needles();
  // More than one read's worth before the failure: the first read succeeds.
  FailingBuf buf("111-22-3333\n" + std::string(2 << 20, 'y'));
  std::istream in(&buf);
  std::ostringstream out;
  auto summary = ScanLines(guard, guard::TypeSet::All(), ScanFormat::kText, in, out);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code(), "read_failed");
  EXPECT_EQ(out.str(),
            "1:0-11 US_SSN (user.government_id.national_identification_number) score 0.95\n");
}

TEST(ScanLines, AFailedOutputIsWriteFailed) {
  FakeGuard guard = Needles();
  std::istringstream in("111-22-3333\n");
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  auto summary = ScanLines(guard, guard::TypeSet::All(), ScanFormat::kJsonl, in, out);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code(), "write_failed");
}

TEST(LoadLexiconDir, LoadsEveryYmlFileInOrderOfName) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "b.yml") << "language: de\n";
  std::ofstream(dir.path() / "a.yml") << "language: en\n";
  std::ofstream(dir.path() / "notes.txt") << "not a lexicon\n";
  std::filesystem::create_directory(dir.path() / "sub.yml");
  auto sources = LoadLexiconDir(dir.path());
  ASSERT_TRUE(sources.ok()) << sources.error().message();
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ((*sources)[0].name, (dir.path() / "a.yml").string());
  EXPECT_EQ((*sources)[0].text, "language: en\n");
  EXPECT_EQ((*sources)[1].name, (dir.path() / "b.yml").string());
  EXPECT_EQ((*sources)[1].text, "language: de\n");
}

TEST(LoadLexiconDir, RefusesAMissingDirectoryAndOneWithoutLexicons) {
  testing::TempDir dir;
  auto missing = LoadLexiconDir(dir.path() / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "lexicons_unreadable");
  EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidArgument);

  std::ofstream(dir.path() / "a.yaml") << "language: en\n";
  auto empty = LoadLexiconDir(dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), "lexicons_missing");
}

// The verb's errors that come before any scanning: exit 2, one line naming the stable code.
class RunScanTest : public ::testing::Test {
 protected:
  int Run(const ScanCommand& command) {
    Environment env{clock_, random_, {}, in_, out_, err_};
    return RunScan(command, env);
  }

  FakeClock clock_;
  SecureRandom random_;
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(RunScanTest, UnknownTypeIsExit2) {
  ScanCommand command;
  command.types = "US_SSN,NOPE";
  command.types_given = true;
  EXPECT_EQ(Run(command), kScanExitError);
  EXPECT_NE(err_.str().find("[unknown_finding_type]"), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str(), "");
}

TEST_F(RunScanTest, EmptyTypeListIsExit2) {
  ScanCommand command;
  command.types = " ";
  command.types_given = true;
  EXPECT_EQ(Run(command), kScanExitError);
  EXPECT_NE(err_.str().find("[no_finding_types]"), std::string::npos) << err_.str();
}

TEST_F(RunScanTest, UnknownRegionIsExit2) {
  ScanCommand command;
  command.region = "XX";
  EXPECT_EQ(Run(command), kScanExitError);
  EXPECT_NE(err_.str().find("[invalid_region]"), std::string::npos) << err_.str();
}

TEST_F(RunScanTest, MissingFileIsExit2) {
  testing::TempDir dir;
  ScanCommand command;
  command.file = (dir.path() / "missing.txt").string();
  EXPECT_EQ(Run(command), kScanExitError);
  EXPECT_NE(err_.str().find("[file_unreadable]"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("missing.txt"), std::string::npos) << err_.str();
}

TEST_F(RunScanTest, DirectoryAsFileIsExit2) {
  testing::TempDir dir;
  ScanCommand command;
  command.file = dir.path().string();
  EXPECT_EQ(Run(command), kScanExitError);
  EXPECT_NE(err_.str().find("[file_unreadable]"), std::string::npos) << err_.str();
}

TEST_F(RunScanTest, LexiconDirWithoutLexiconsIsExit2) {
  testing::TempDir dir;
  ScanCommand command;
  command.lexicons_dir = dir.path().string();
  EXPECT_EQ(Run(command), kScanExitError);
  EXPECT_NE(err_.str().find("[lexicons_missing]"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace privacyd
