// A streaming reader of CSV (RFC 4180): comma-separated fields, double quotes around fields that
// hold commas, quotes or line breaks, "" for a quote inside them, CRLF or LF between records. A
// UTF-8 byte order mark at the start is skipped. Records are read one at a time, so a file of
// any size is read in constant memory.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/result.h"

namespace privacyd {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, size_t max_record_bytes = 1 << 20)
      : in_(in), max_record_bytes_(max_record_bytes) {}

  // Reads the next record into `fields`; false at the end of the input. A blank line is a
  // record with one empty field. Errors: kInvalidArgument "invalid_csv" for a quote that is
  // never closed, text after a closing quote, or a record longer than max_record_bytes; the
  // message gives the line, never the text.
  Result<bool> Next(std::vector<std::string>& fields);

  // The line on which the last record read started (1-based).
  size_t line() const { return record_line_; }
  // Bytes consumed so far, for progress.
  uint64_t bytes_read() const { return bytes_; }

 private:
  int Get();
  Error Invalid(const std::string& what) const;

  std::istream& in_;
  const size_t max_record_bytes_;
  size_t line_ = 1;
  size_t record_line_ = 0;
  uint64_t bytes_ = 0;
  bool started_ = false;
};

}  // namespace privacyd
