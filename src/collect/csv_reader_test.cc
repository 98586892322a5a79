#include "collect/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace privacyd {
namespace {

using Rows = std::vector<std::vector<std::string>>;

Result<Rows> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in, 64);
  Rows rows;
  std::vector<std::string> fields;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) return rows;
    rows.push_back(fields);
  }
}

TEST(CsvReader, ReadsQuotedFieldsLineBreaksAndBothLineEndings) {
  auto rows = ReadAll(
      "\xEF\xBB\xBF"
      "email,company\r\n"
      "a@example.com,\"Smith, Jones & Co\"\r\n"
      "b@example.com,\"The \"\"Best\"\" GmbH\"\n"
      "c@example.com,\"two\nlines\"\n"
      ",\n"
      "last,row");
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  Rows want = {{"email", "company"},
               {"a@example.com", "Smith, Jones & Co"},
               {"b@example.com", "The \"Best\" GmbH"},
               {"c@example.com", "two\nlines"},
               {"", ""},
               {"last", "row"}};
  EXPECT_EQ(*rows, want);
}

TEST(CsvReader, ReportsTheLineOfWhatIsMalformedWithoutTheText) {
  std::istringstream in("a,b\nok,\"fine\"\nbad,\"never closed\n");
  CsvReader reader(in);
  std::vector<std::string> fields;
  ASSERT_TRUE(*reader.Next(fields));
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(reader.line(), 2u);
  auto bad = reader.Next(fields);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "invalid_csv");
  EXPECT_EQ(bad.error().message(), "line 3: a quoted field is never closed");

  EXPECT_EQ(ReadAll("x,\"a\"b\n").error().message(),
            "line 1: text after the closing quote of a field");
  EXPECT_EQ(ReadAll("x,a\"b\n").error().message(),
            "line 1: a quote inside an unquoted field; quote the whole field");
  EXPECT_EQ(ReadAll("x," + std::string(100, 'y') + "\n").error().message(),
            "line 1: the record is too long");
}

TEST(CsvReader, AnEmptyInputHasNoRecords) {
  auto rows = ReadAll("");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

}  // namespace
}  // namespace privacyd
