#include "cli/line_reader.h"

#include <algorithm>

namespace privacyd {

LineReader::LineReader(std::istream& in, size_t chunk_bytes)
    : in_(in), chunk_bytes_(std::max<size_t>(chunk_bytes, 1)) {}

Result<bool> LineReader::Next(std::string_view* line) {
  if (failed_) {
    return Error(ErrorKind::kUnavailable, "read_failed",
                 "reading the input failed after line " + std::to_string(line_number_));
  }
  for (;;) {
    size_t newline = buffer_.find('\n', std::max(searched_, begin_));
    if (newline != std::string::npos) {
      size_t end = newline;
      if (end > begin_ && buffer_[end - 1] == '\r') --end;
      *line = std::string_view(buffer_.data() + begin_, end - begin_);
      begin_ = searched_ = newline + 1;
      ++line_number_;
      return true;
    }
    searched_ = buffer_.size();
    if (at_end_) {
      if (begin_ == buffer_.size()) return false;
      *line = std::string_view(buffer_.data() + begin_, buffer_.size() - begin_);
      begin_ = searched_ = buffer_.size();
      ++line_number_;
      return true;
    }
    // Only the start of one unfinished line is kept, so moving it costs at most one chunk per
    // chunk read, and the buffer grows only as long as the longest line.
    if (begin_ > 0) {
      buffer_.erase(0, begin_);
      searched_ -= begin_;
      begin_ = 0;
    }
    auto read = Fill();
    if (!read.ok()) return read.error();
    if (*read == 0) at_end_ = true;
  }
}

Result<size_t> LineReader::Fill() {
  const size_t old_size = buffer_.size();
  buffer_.resize(old_size + chunk_bytes_);
  in_.read(buffer_.data() + old_size, static_cast<std::streamsize>(chunk_bytes_));
  const auto got = static_cast<size_t>(in_.gcount());
  buffer_.resize(old_size + got);
  if (in_.bad()) {
    failed_ = true;
    return Error(ErrorKind::kUnavailable, "read_failed",
                 "reading the input failed after line " + std::to_string(line_number_) +
                     "; check that it is a readable file and not a directory");
  }
  return got;
}

}  // namespace privacyd
