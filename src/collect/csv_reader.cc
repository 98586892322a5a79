#include "collect/csv_reader.h"

namespace privacyd {

int CsvReader::Get() {
  int c = in_.get();
  if (c == std::char_traits<char>::eof()) return c;
  ++bytes_;
  if (c == '\n') ++line_;
  return c;
}

Error CsvReader::Invalid(const std::string& what) const {
  return Error(ErrorKind::kInvalidArgument, "invalid_csv",
               "line " + std::to_string(record_line_) + ": " + what);
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  constexpr int kEof = std::char_traits<char>::eof();
  fields.clear();
  if (!started_) {
    started_ = true;
    if (in_.peek() == 0xEF) {  // UTF-8 byte order mark
      char bom[3];
      in_.read(bom, 3);
      bool is_bom = in_.gcount() == 3 && static_cast<unsigned char>(bom[1]) == 0xBB &&
                    static_cast<unsigned char>(bom[2]) == 0xBF;
      if (is_bom) {
        bytes_ += 3;
      } else {
        in_.clear();
        in_.seekg(-in_.gcount(), std::ios::cur);
      }
    }
  }
  record_line_ = line_;
  int c = Get();
  if (c == kEof) return false;
  size_t record_bytes = 0;
  std::string field;
  for (;;) {
    if (c == '"' && field.empty()) {
      // A quoted field: up to the closing quote, "" standing for one quote.
      for (;;) {
        c = Get();
        if (c == kEof) return Invalid("a quoted field is never closed");
        if (c == '"') {
          if (in_.peek() != '"') break;
          Get();
        }
        field.push_back(static_cast<char>(c));
        if (++record_bytes > max_record_bytes_) return Invalid("the record is too long");
      }
      c = Get();
      if (c != ',' && c != '\n' && c != '\r' && c != kEof) {
        return Invalid("text after the closing quote of a field");
      }
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      c = Get();
      continue;
    }
    if (c == '\r' && in_.peek() == '\n') c = Get();
    if (c == '\n' || c == '\r' || c == kEof) {
      fields.push_back(std::move(field));
      return true;
    }
    if (c == '"') return Invalid("a quote inside an unquoted field; quote the whole field");
    field.push_back(static_cast<char>(c));
    if (++record_bytes > max_record_bytes_) return Invalid("the record is too long");
    c = Get();
  }
}

}  // namespace privacyd
