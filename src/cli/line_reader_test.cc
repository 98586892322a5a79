#include "cli/line_reader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testing/failing_streambuf.h"

namespace privacyd {
namespace {

using std::string_literals::operator""s;

// All lines of `input`, read in chunks of `chunk` bytes.
std::vector<std::string> Lines(const std::string& input, size_t chunk) {
  std::istringstream in(input);
  LineReader reader(in, chunk);
  std::vector<std::string> lines;
  std::string_view line;
  for (;;) {
    auto more = reader.Next(&line);
    EXPECT_TRUE(more.ok()) << more.error().message();
    if (!more.ok() || !*more) break;
    lines.emplace_back(line);
    EXPECT_EQ(reader.line_number(), lines.size());
  }
  return lines;
}

using V = std::vector<std::string>;

// Every case is read with chunks of several sizes, so that a line break, or the "\r" before it,
// falls on every possible chunk boundary.
class LineReaderTest : public ::testing::TestWithParam<size_t> {};

TEST_P(LineReaderTest, SplitsAtNewlines) {
  EXPECT_EQ(Lines("", GetParam()), V{});
  EXPECT_EQ(Lines("\n", GetParam()), V{""});
  EXPECT_EQ(Lines("\n\n", GetParam()), (V{"", ""}));
  EXPECT_EQ(Lines("one\ntwo\n", GetParam()), (V{"one", "two"}));
  EXPECT_EQ(Lines("one\n\nthree\n", GetParam()), (V{"one", "", "three"}));
}

TEST_P(LineReaderTest, AFinalLineWithoutNewlineIsALine) {
  EXPECT_EQ(Lines("one\ntwo", GetParam()), (V{"one", "two"}));
  EXPECT_EQ(Lines("x", GetParam()), V{"x"});
}

TEST_P(LineReaderTest, DropsOnlyTheCarriageReturnBeforeTheNewline) {
  EXPECT_EQ(Lines("one\r\ntwo\r\n", GetParam()), (V{"one", "two"}));
  EXPECT_EQ(Lines("\r\n", GetParam()), V{""});
  EXPECT_EQ(Lines("a\rb\n", GetParam()), V{"a\rb"});
  EXPECT_EQ(Lines("a\r\r\n", GetParam()), V{"a\r"});
  EXPECT_EQ(Lines("\r", GetParam()), V{"\r"});
  // The last line has no line break, so its "\r" is text.
  EXPECT_EQ(Lines("one\r\ntwo\r", GetParam()), (V{"one", "two\r"}));
}

TEST_P(LineReaderTest, PassesAnyBytesThrough) {
  const std::string nul = "a\0b\n\0\n"s;
  EXPECT_EQ(Lines(nul, GetParam()), (V{"a\0b"s, "\0"s}));
  const std::string invalid_utf8 = "\xff\xfe\xc3\n\xe2\x82\n\x80";
  EXPECT_EQ(Lines(invalid_utf8, GetParam()), (V{"\xff\xfe\xc3", "\xe2\x82", "\x80"}));
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, LineReaderTest,
                         ::testing::Values(1, 2, 3, 7, LineReader::kDefaultChunkBytes));

TEST(LineReader, ReadsLinesLongerThanManyChunks) {
  const std::string long_line(5 * 1024 * 1024 + 3, 'x');
  const std::string input = "short\r\n" + long_line + "\r\nend";
  auto lines = Lines(input, 64 * 1024);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "short");
  EXPECT_EQ(lines[1], long_line);
  EXPECT_EQ(lines[2], "end");
}

TEST(LineReader, LineNumberStaysAtTheLastLineAtTheEnd) {
  std::istringstream in("a\nb\n");
  LineReader reader(in);
  std::string_view line;
  EXPECT_EQ(reader.line_number(), 0u);
  ASSERT_TRUE(*reader.Next(&line));
  ASSERT_TRUE(*reader.Next(&line));
  EXPECT_EQ(reader.line_number(), 2u);
  auto more = reader.Next(&line);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_EQ(reader.line_number(), 2u);
}

using FailingBuf = testing::FailingStreambuf;

TEST(LineReader, AFailingStreamIsReadFailedAndStaysFailed) {
  FailingBuf buf("one\ntw");
  std::istream in(&buf);
  LineReader reader(in, 4);
  std::string_view line;
  auto first = reader.Next(&line);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(*first);
  EXPECT_EQ(line, "one");
  auto second = reader.Next(&line);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), "read_failed");
  EXPECT_EQ(second.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(second.error().message().find("after line 1"), std::string::npos)
      << second.error().message();
  auto again = reader.Next(&line);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), "read_failed");
}

}  // namespace
}  // namespace privacyd
