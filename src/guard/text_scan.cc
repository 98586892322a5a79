#include "guard/text_scan.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace privacyd::guard::internal {

bool IsWholeWord(std::string_view text, size_t start, size_t end) {
  if (start > 0 && IsWordByte(static_cast<unsigned char>(text[start - 1]))) return false;
  if (end < text.size() && IsWordByte(static_cast<unsigned char>(text[end]))) return false;
  return true;
}

bool SentenceEndsBetween(std::string_view text, size_t from, size_t to) {
  to = std::min(to, text.size());
  for (size_t i = from; i < to; ++i) {
    if (SentenceEndsAt(text, i)) return true;
  }
  return false;
}

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

bool SanitizeUtf8(std::string_view text, std::string& out) {
  size_t i = 0;
  // Fast path: ASCII eight bytes at a time, then valid sequences, no copy. Eight bytes that hold
  // a non-ASCII byte are skipped up to it at once: German and French text has one every few
  // words, and stepping to it a byte at a time cost more than checking the sequences.
  while (i < text.size()) {
    if (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      uint64_t high = word & 0x8080808080808080ULL;
      if (high == 0) {
        i += 8;
        continue;
      }
      if constexpr (std::endian::native == std::endian::little) {
        i += static_cast<size_t>(__builtin_ctzll(high)) / 8;
      }
    }
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return false;
  out.assign(text);
  while (i < text.size()) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out[i] = '\x1a';
      n = 1;
    }
    i += n;
  }
  return true;
}

void DigitRunAt(std::string_view text, size_t pos, std::vector<DigitGroup>& out) {
  auto digit = [&](size_t k) { return IsDigit(static_cast<unsigned char>(text[k])); };
  // Back to the first digit of the run.
  size_t start = pos;
  while (true) {
    if (start > 0 && digit(start - 1)) {
      --start;
    } else if (start > 1 && IsDigitSeparator(static_cast<unsigned char>(text[start - 1])) &&
               digit(start - 2)) {
      start -= 2;
    } else {
      break;
    }
  }
  size_t i = start;
  char separator = 0;
  while (true) {
    size_t group_start = i;
    while (i < text.size() && digit(i)) ++i;
    out.push_back({group_start, i, separator});
    if (i + 1 < text.size() && IsDigitSeparator(static_cast<unsigned char>(text[i])) &&
        digit(i + 1)) {
      separator = text[i];
      ++i;
    } else {
      break;
    }
  }
}

}  // namespace privacyd::guard::internal
