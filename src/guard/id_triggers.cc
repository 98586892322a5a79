#include "guard/id_triggers.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>

#include "guard/text_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace privacyd::guard::internal {
namespace {

bool IsUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool IsHex(unsigned char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool IsAlnum(unsigned char c) { return IsDigit(c) || IsAsciiAlpha(c); }

// Bit i of each mask describes byte i of a block of 64.
struct BlockMasks {
  uint64_t digits;
  uint64_t marks;  // '@' and ':'
};

#if defined(__SSE2__)
inline BlockMasks Classify(const unsigned char* block) {
  const __m128i below_0 = _mm_set1_epi8('0' - 1);
  const __m128i above_9 = _mm_set1_epi8('9' + 1);
  const __m128i at = _mm_set1_epi8('@');
  const __m128i colon = _mm_set1_epi8(':');
  BlockMasks m{0, 0};
  for (unsigned k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, below_0), _mm_cmpgt_epi8(above_9, v));
    __m128i mark = _mm_or_si128(_mm_cmpeq_epi8(v, at), _mm_cmpeq_epi8(v, colon));
    m.digits |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(digit))} << (16 * k);
    m.marks |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(mark))} << (16 * k);
  }
  return m;
}
#else
inline BlockMasks Classify(const unsigned char* block) {
  BlockMasks m{0, 0};
  for (unsigned k = 0; k < 64; ++k) {
    if (IsDigit(block[k])) m.digits |= uint64_t{1} << k;
    if (block[k] == '@' || block[k] == ':') m.marks |= uint64_t{1} << k;
  }
  return m;
}
#endif

class Finder {
 public:
  Finder(std::string_view text, std::vector<TriggerEnd>& out)
      : b_(reinterpret_cast<const unsigned char*>(text.data())), n_(text.size()), out_(out) {}

  // The digit group [from, to), maximal; groups come in order.
  void Group(size_t from, size_t to, bool ordinary) {
    // [0-9](?:[ ./\-]?[0-9]){5}: the groups of a run joined by single separators, from its sixth
    // digit on.
    bool joined = run_end_ != kNone && from == run_end_ + 1 && IsDigitSeparator(b_[run_end_]);
    size_t before = joined ? run_digits_ : 0;
    size_t first = before >= 5 ? from : from + (5 - before);
    for (size_t p = first; p < to; ++p) Emit(p + 1, Trigger::kDigits);
    run_digits_ = before + (to - from);
    run_end_ = to;
    // [0-9]{4}[A-Z]
    if (to - from >= 4 && to < n_ && IsUpper(b_[to])) Emit(to + 1, Trigger::kPan);
    // [A-Z]{2}[0-9]{2}
    if (from >= 2 && to - from >= 2 && IsUpper(b_[from - 1]) && IsUpper(b_[from - 2])) {
      Emit(from + 2, Trigger::kIban);
    }
    // [0-9]{2}[ \-]?[0-9]{2}[ \-]?[0-9]{2}[ \-]?[A-Da-d]: the letter after this group, perhaps
    // after a separator.
    auto nino_letter = [](unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'd'; };
    if (to < n_) {
      size_t letter = to;
      if ((b_[to] == ' ' || b_[to] == '-') && to + 1 < n_) letter = to + 1;
      if (nino_letter(b_[letter]) && DigitsBack(letter, {2, 2, 2}, " -")) {
        Emit(letter + 1, Trigger::kNino);
      }
    }
    // 2[ABab][ .\-]?[0-9]{3}[ .\-]?[0-9]{3}[ .\-]?[0-9]{2}, from the '2' that ends this group.
    if (to < n_ && b_[to - 1] == '2' && (b_[to] | 0x20) >= 'a' && (b_[to] | 0x20) <= 'b') {
      size_t end = DigitsForward(to + 1, {3, 3, 2}, " .-");
      if (end != kNone) Emit(end, Trigger::kCorsicanNir);
    }
    // [0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]: ends at the first digit after the third dot.
    if (ordinary && from >= 1 && b_[from - 1] == '.' && Ipv4Before(from - 1)) {
      Emit(from + 1, Trigger::kIpv4);
    }
  }

  // @[A-Za-z0-9]
  void At(size_t p) {
    if (p + 1 < n_ && IsAlnum(b_[p + 1])) Emit(p + 2, Trigger::kEmail);
  }

  // [0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{1,4}, with the colon at `p` the second one:
  // at most four hex digits after the first colon, then one to four after this one.
  void Colon(size_t p) {
    size_t between = 0;
    while (between < 5 && between < p && IsHex(b_[p - 1 - between])) ++between;
    if (between > 4 || between == p || b_[p - 1 - between] != ':') return;
    for (size_t k = 1; k <= 4 && p + k < n_ && IsHex(b_[p + k]); ++k) {
      Emit(p + k + 1, Trigger::kIpv6);
    }
  }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  void Emit(size_t to, Trigger trigger) { out_.push_back({to, trigger}); }

  bool Sep(size_t i, const char* separators) const {
    return b_[i] != 0 && std::strchr(separators, b_[i]) != nullptr;
  }

  // Whether groups of exactly `lengths` digits, each perhaps followed by one of `separators`,
  // end just before `end`. Read backwards, an optional separator before a digit is taken
  // whenever it is there, so there is one way to read the text.
  bool DigitsBack(size_t end, std::initializer_list<size_t> lengths, const char* separators) {
    size_t pos = end;
    for (auto it = std::rbegin(lengths); it != std::rend(lengths); ++it) {
      if (pos > 0 && Sep(pos - 1, separators)) --pos;
      for (size_t k = 0; k < *it; ++k) {
        if (pos == 0 || !IsDigit(b_[pos - 1])) return false;
        --pos;
      }
    }
    return true;
  }

  // Where groups of exactly `lengths` digits, each perhaps preceded by one of `separators`,
  // starting at `from` end, or kNone.
  size_t DigitsForward(size_t from, std::initializer_list<size_t> lengths, const char* separators) {
    size_t pos = from;
    for (size_t length : lengths) {
      if (pos < n_ && Sep(pos, separators)) ++pos;
      for (size_t k = 0; k < length; ++k) {
        if (pos >= n_ || !IsDigit(b_[pos])) return kNone;
        ++pos;
      }
    }
    return pos;
  }

  // Whether "[0-9]\.[0-9]{1,3}\.[0-9]{1,3}" ends just before the dot at `dot`.
  bool Ipv4Before(size_t dot) const {
    for (int group = 0; group < 2; ++group) {
      size_t length = 0;
      while (length < 4 && length < dot && IsDigit(b_[dot - 1 - length])) ++length;
      if (length == 0 || length > 3 || length == dot || b_[dot - 1 - length] != '.') return false;
      dot -= length + 1;
    }
    return dot > 0 && IsDigit(b_[dot - 1]);
  }

  const unsigned char* b_;
  size_t n_;
  std::vector<TriggerEnd>& out_;
  size_t run_end_ = kNone;  // end of the last digit group
  size_t run_digits_ = 0;   // digits of the run of groups it ends
};

}  // namespace

std::string_view TriggerExpression(Trigger trigger) {
  switch (trigger) {
    case Trigger::kDigits:
      return "[0-9](?:[ ./\\-]?[0-9]){5}";
    case Trigger::kNino:
      return "[0-9]{2}[ \\-]?[0-9]{2}[ \\-]?[0-9]{2}[ \\-]?[A-Da-d]";
    case Trigger::kPan:
      return "[0-9]{4}[A-Z]";
    case Trigger::kIban:
      return "[A-Z]{2}[0-9]{2}";
    case Trigger::kCorsicanNir:
      return "2[ABab][ .\\-]?[0-9]{3}[ .\\-]?[0-9]{3}[ .\\-]?[0-9]{2}";
    case Trigger::kEmail:
      return "@[A-Za-z0-9]";
    case Trigger::kIpv4:
      return "[0-9]\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]";
    case Trigger::kIpv6:
      return "[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{1,4}";
  }
  return {};
}

void FindTriggers(std::string_view text, bool ordinary, std::vector<TriggerEnd>& out) {
  out.clear();
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  Finder finder(text, out);
  size_t next = 0;  // bytes before it are done (a digit group may run past its block)
  for (size_t base = 0; base < n; base += 64) {
    BlockMasks m;
    if (base + 64 <= n) {
      m = Classify(bytes + base);
    } else {
      std::array<unsigned char, 64> tail{};
      std::memcpy(tail.data(), bytes + base, n - base);
      m = Classify(tail.data());
    }
    uint64_t todo = m.digits | (ordinary ? m.marks : 0);
    while (todo != 0) {
      const size_t p = base + static_cast<size_t>(__builtin_ctzll(todo));
      todo &= todo - 1;
      if (p < next) continue;
      if (IsDigit(bytes[p])) {
        size_t end = p + 1;
        while (end < n && IsDigit(bytes[end])) ++end;
        finder.Group(p, end, ordinary);
        next = end;
        // The group's other digits in this block are done: not one more turn of the loop each.
        todo = end - base >= 64 ? 0 : todo & (~uint64_t{0} << (end - base));
      } else if (bytes[p] == '@') {
        finder.At(p);
      } else {
        finder.Colon(p);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const TriggerEnd& a, const TriggerEnd& b) {
    return a.to != b.to ? a.to < b.to : a.trigger < b.trigger;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace privacyd::guard::internal
