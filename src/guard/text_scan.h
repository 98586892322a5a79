// Byte-level helpers of the guard's scanner: word boundaries, sentences, runs of digit groups.
// Pure functions over the scanned buffer, exposed for their unit tests.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace privacyd::guard::internal {

inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
// A byte that can be part of a word: an ASCII letter or digit, or any byte of a multi-byte UTF-8
// character (all non-ASCII letters are).
inline bool IsWordByte(unsigned char c) { return IsDigit(c) || IsAsciiAlpha(c) || c >= 0x80; }

// Whether [start, end) of `text` is a whole word: no word byte just before or just after.
bool IsWholeWord(std::string_view text, size_t start, size_t end);

// Whether a sentence ends at text[i]: ';' or a line break, or '.', '!' or '?' followed by white
// space.
inline bool SentenceEndsAt(std::string_view text, size_t i) {
  char c = text[i];
  if (c == ';' || c == '\n' || c == '\r') return true;
  return (c == '.' || c == '!' || c == '?') && i + 1 < text.size() &&
         (text[i + 1] == ' ' || text[i + 1] == '\t' || text[i + 1] == '\n');
}

// Whether a sentence ends in text[from, to) (SentenceEndsAt).
bool SentenceEndsBetween(std::string_view text, size_t from, size_t to);

// Replaces each byte that is not part of valid UTF-8 by 0x1A (SUB), keeping every offset. Returns
// false (and leaves `out` untouched) when `text` is valid UTF-8 already.
bool SanitizeUtf8(std::string_view text, std::string& out);

// Length of the valid UTF-8 sequence at text[i], or 0 (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view text, size_t i);

// The digit separators people type inside identifiers.
inline bool IsDigitSeparator(unsigned char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/';
}

// One group of digits of a run, and the separator before it (0 for the first).
struct DigitGroup {
  size_t start;
  size_t end;
  char separator;
};

// Appends to `out` the maximal run of digit groups joined by single separators that contains
// the digit at `pos`, in order: its first group starts the run, the last appended ends it.
// `pos` must be a digit.
void DigitRunAt(std::string_view text, size_t pos, std::vector<DigitGroup>& out);

}  // namespace privacyd::guard::internal
