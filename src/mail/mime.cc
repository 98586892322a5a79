#include "mail/mime.h"

#include <algorithm>
#include <vector>

namespace privacyd::mail {
namespace {

constexpr size_t kMaxHeaderLine = 78;
constexpr size_t kMaxBodyLine = 76;
constexpr size_t kMaxEncodedWord = 75;
constexpr std::string_view kWordStart = "=?UTF-8?Q?";
constexpr std::string_view kWordEnd = "?=";
constexpr char kHex[] = "0123456789ABCDEF";

void AppendHexByte(std::string& out, unsigned char c) {
  out += '=';
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext.
bool IsAtext(unsigned char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
                           std::string_view::npos;
}

bool NeedsEncodedWords(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x7f || (c < 0x20 && c != '\t')) return true;
  }
  return text.find("=?") != std::string_view::npos;
}

// Length of the UTF-8 sequence starting at text[i], so that an encoded-word never splits a
// character; a byte that does not start a well-formed sequence stands alone.
size_t Utf8Length(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  if (i + n > text.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 1;
  }
  return n;
}

// Q encoding (RFC 2047 section 4.2) restricted to the characters allowed in a phrase (section
// 5(3)), which are also safe in unstructured text.
std::string QEncode(std::string_view chars) {
  std::string out;
  for (unsigned char c : chars) {
    if (c == ' ') {
      out += '_';
    } else if (IsAlnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/') {
      out += static_cast<char>(c);
    } else {
      AppendHexByte(out, c);
    }
  }
  return out;
}

// `text` as encoded-words: the first no longer than `first_max` characters, the others no
// longer than 75.
std::vector<std::string> EncodedWords(std::string_view text, size_t first_max) {
  const size_t overhead = kWordStart.size() + kWordEnd.size();
  // Room for at least one character (4 bytes, 12 encoded) in every word.
  size_t limit = std::max(std::min(first_max, kMaxEncodedWord), overhead + 12);
  std::vector<std::string> words;
  std::string current;
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8Length(text, i);
    std::string encoded = QEncode(text.substr(i, n));
    if (!current.empty() && overhead + current.size() + encoded.size() > limit) {
      words.push_back(std::string(kWordStart) + current + std::string(kWordEnd));
      current.clear();
      limit = kMaxEncodedWord;
    }
    current += encoded;
    i += n;
  }
  if (!current.empty() || words.empty()) {
    words.push_back(std::string(kWordStart) + current + std::string(kWordEnd));
  }
  return words;
}

// "Name:" then each token after one space, a line break before a token that would pass 78
// characters (never before the first).
std::string FoldTokens(std::string_view name, const std::vector<std::string>& tokens) {
  std::string out(name);
  out += ':';
  size_t line = out.size();
  bool first = true;
  for (const auto& token : tokens) {
    if (!first && line + 1 + token.size() > kMaxHeaderLine) {
      out += "\r\n";
      line = 0;
    }
    out += ' ';
    out += token;
    line += 1 + token.size();
    first = false;
  }
  out += "\r\n";
  return out;
}

// An ASCII value folded at its own whitespace, which is kept as it is: a line break goes in
// before a run of whitespace.
std::string FoldAscii(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ':';
  size_t line = out.size();
  bool first = true;
  std::string text = " " + std::string(value);
  size_t i = 0;
  while (i < text.size()) {
    size_t word = text.find_first_not_of(" \t", i);
    if (word == std::string::npos) word = text.size();
    size_t end = text.find_first_of(" \t", word);
    if (end == std::string::npos) end = text.size();
    std::string_view chunk = std::string_view(text).substr(i, end - i);
    if (!first && word < end && line + chunk.size() > kMaxHeaderLine) {
      out += "\r\n";
      line = 0;
    }
    out += chunk;
    line += chunk.size();
    if (word < end) first = false;
    i = end;
  }
  out += "\r\n";
  return out;
}

}  // namespace

std::string EncodeQuotedPrintable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t start = 0;
  bool first_line = true;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(start, end - start);
    if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!first_line) out += "\r\n";
    first_line = false;

    size_t column = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      std::string token;
      if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
        token = static_cast<char>(c);
      } else {
        AppendHexByte(token, c);
      }
      // The last token of a line may use column 76; any other must leave room for the "=" of
      // a soft line break.
      size_t room = last ? kMaxBodyLine : kMaxBodyLine - 1;
      if (column + token.size() > room) {
        out += "=\r\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string FoldUnstructured(std::string_view name, std::string_view value) {
  if (!NeedsEncodedWords(value)) return FoldAscii(name, value);
  return FoldTokens(name, EncodedWords(value, kMaxHeaderLine - name.size() - 2));
}

std::string FoldAddress(std::string_view name, std::string_view display_name,
                        std::string_view address) {
  std::vector<std::string> tokens;
  if (display_name.empty()) {
    tokens.emplace_back(address);
    return FoldTokens(name, tokens);
  }
  if (NeedsEncodedWords(display_name)) {
    tokens = EncodedWords(display_name, kMaxHeaderLine - name.size() - 2);
  } else if (std::all_of(display_name.begin(), display_name.end(), [](char c) {
               return c == ' ' || IsAtext(static_cast<unsigned char>(c));
             })) {
    size_t i = 0;
    while (i < display_name.size()) {
      size_t word = display_name.find_first_not_of(' ', i);
      if (word == std::string_view::npos) break;
      size_t end = std::min(display_name.find(' ', word), display_name.size());
      tokens.emplace_back(display_name.substr(word, end - word));
      i = end;
    }
  } else {
    std::string quoted = "\"";
    for (char c : display_name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += '"';
    tokens.push_back(std::move(quoted));
  }
  tokens.push_back("<" + std::string(address) + ">");
  return FoldTokens(name, tokens);
}

std::string FoldStructured(std::string_view name, std::string_view value) {
  return FoldAscii(name, value);
}

}  // namespace privacyd::mail
