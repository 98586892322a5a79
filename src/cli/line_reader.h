// Splits a byte stream into lines for the verbs that process text line by line (`scan`).
//
// A line ends at "\n"; a "\r" directly before that "\n" is not part of the line (files written
// on Windows). A final line without "\n" is a line, and keeps a trailing "\r" (there is no line
// break for it to belong to). Empty input has no lines; "\n" is one empty line. Lines may be of
// any length and hold any bytes: NUL bytes and invalid UTF-8 are passed through untouched.
//
// The stream is read in large chunks rather than character by character, so reading from
// std::cin is as fast as from a file. Memory is bounded by the longest line plus one chunk.
//
// Not thread-safe; one reader per stream.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

#include "core/result.h"

namespace privacyd {

class LineReader {
 public:
  static constexpr size_t kDefaultChunkBytes = size_t{1} << 20;

  // Reads from `in`, which must outlive the reader. `chunk_bytes` (at least 1) is the size of
  // each read from the stream.
  explicit LineReader(std::istream& in, size_t chunk_bytes = kDefaultChunkBytes);

  // Sets `*line` to the next line and returns true, or returns false at the end of the input.
  // `*line` points into the reader's buffer and stays valid until the next call. Errors:
  // unavailable `read_failed` when the stream fails (a disk error, a directory given as a file);
  // the reader then stays failed.
  Result<bool> Next(std::string_view* line);

  // The 1-based number of the line last returned by Next(), 0 before the first.
  size_t line_number() const { return line_number_; }

 private:
  // Appends up to one chunk from the stream to buffer_. Returns the number of bytes appended
  // (0 at the end of the input).
  Result<size_t> Fill();

  std::istream& in_;
  size_t chunk_bytes_;
  std::string buffer_;
  size_t begin_ = 0;     // start of the unreturned data in buffer_
  size_t searched_ = 0;  // buffer_[begin_, searched_) is known to hold no '\n'
  size_t line_number_ = 0;
  bool at_end_ = false;
  bool failed_ = false;
};

}  // namespace privacyd
