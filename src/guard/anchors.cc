#include "guard/anchors.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "guard/text_scan.h"

namespace privacyd {
// data/guard/common_words.txt, compiled in.
extern const std::string_view kGuardCommonWords;
}  // namespace privacyd

namespace privacyd::guard::internal {
namespace {

using Set = std::vector<std::string>;

// Repeats bounded by more than this are taken as open runs.
constexpr size_t kMaxRepeat = 8;
// A class of more members than this is taken as an open run.
constexpr size_t kMaxClass = 16;
// Parts of a pattern too large to expand whole are joined up to this many phrases.
constexpr size_t kJoinParts = 64;

bool IsCodePointStart(unsigned char c) { return c < 0x80 || c >= 0xC0; }

// A recursive-descent reader of the pattern subset; any other syntax makes the result nullopt.
class Expander {
 public:
  Expander(std::string_view pattern, size_t limit) : p_(pattern), limit_(limit) {}

  std::optional<Set> Run() {
    auto out = Alternation();
    if (!out || i_ != p_.size()) return std::nullopt;
    return out;
  }

  // The top-level sequence of a pattern without a top-level alternation, each part expanded
  // on its own: neighbours are joined while their product stays small, so that literal words
  // stay whole.
  // `a` followed by `b`, or nullopt when that makes more than `limit` phrases.
  static std::optional<Set> Cross(const Set& a, const Set& b, size_t limit) {
    if (a.size() * b.size() > limit) return std::nullopt;
    Set out;
    out.reserve(a.size() * b.size());
    for (const std::string& x : a) {
      for (const std::string& y : b) out.push_back(x + y);
    }
    return out;
  }

  std::optional<std::vector<Set>> Parts() {
    std::vector<Set> parts;
    while (i_ < p_.size()) {
      if (p_[i_] == '|' || p_[i_] == ')') return std::nullopt;
      auto atom = Atom();
      if (!atom) return std::nullopt;
      auto part = Quantified(std::move(*atom));
      if (!part) return std::nullopt;
      if (!parts.empty() && parts.back().size() * part->size() <= kJoinParts) {
        auto joined = Cross(parts.back(), *part, kJoinParts);
        if (!joined) return std::nullopt;
        parts.back() = std::move(*joined);
      } else {
        parts.push_back(std::move(*part));
      }
    }
    return parts;
  }

 private:
  std::optional<Set> Alternation() {
    Set out;
    while (true) {
      auto sequence = Sequence();
      if (!sequence) return std::nullopt;
      out.insert(out.end(), sequence->begin(), sequence->end());
      if (out.size() > limit_) return std::nullopt;
      if (i_ < p_.size() && p_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  std::optional<Set> Sequence() {
    Set acc{""};
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      auto atom = Atom();
      if (!atom) return std::nullopt;
      auto repeated = Quantified(std::move(*atom));
      if (!repeated) return std::nullopt;
      auto crossed = Cross(acc, *repeated);
      if (!crossed) return std::nullopt;
      acc = std::move(*crossed);
    }
    return acc;
  }

  std::optional<Set> Cross(const Set& a, const Set& b) const { return Cross(a, b, limit_); }

  // One code point of the pattern, as its UTF-8 bytes.
  std::string CodePoint() {
    size_t from = i_++;
    while (i_ < p_.size() && !IsCodePointStart(static_cast<unsigned char>(p_[i_]))) ++i_;
    return std::string(p_.substr(from, i_ - from));
  }

  std::optional<Set> Atom() {
    char c = p_[i_];
    switch (c) {
      case '(': {
        if (p_.substr(i_, 3) == "(?:") {
          i_ += 3;
        } else if (p_.substr(i_, 2) == "(?") {
          return std::nullopt;  // look-around, flags, named groups
        } else {
          ++i_;
        }
        auto inner = Alternation();
        if (!inner || i_ >= p_.size() || p_[i_] != ')') return std::nullopt;
        ++i_;
        return inner;
      }
      case '[':
        return Class();
      case '\\': {
        if (i_ + 1 >= p_.size()) return std::nullopt;
        char e = p_[i_ + 1];
        i_ += 2;
        if (e == 'w' || e == 'd') return Set{std::string(1, kGap)};
        if (std::isalnum(static_cast<unsigned char>(e)) || static_cast<unsigned char>(e) >= 0x80) {
          return std::nullopt;  // \s, \b, \x.., classes that may hold a space, assertions
        }
        return Set{std::string(1, e)};
      }
      case '.':
      case '^':
      case '$':
      case '*':
      case '+':
      case '?':
      case '{':
      case ')':
      case '|':
        return std::nullopt;
      default:
        return Set{CodePoint()};
    }
  }

  // A class: its members when few and literal; an open run when it is negated and excludes the
  // space, or large without the space; nullopt when it may match a space as an open run.
  std::optional<Set> Class() {
    ++i_;  // '['
    bool negated = i_ < p_.size() && p_[i_] == '^';
    if (negated) ++i_;
    std::set<std::string> members;
    bool large = false;
    bool space = false;
    bool first = true;
    while (true) {
      if (i_ >= p_.size()) return std::nullopt;
      if (p_[i_] == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      std::string from;
      if (p_[i_] == '\\') {
        if (i_ + 1 >= p_.size()) return std::nullopt;
        char e = p_[i_ + 1];
        i_ += 2;
        if (e == 'w' || e == 'd') {
          large = true;
          continue;
        }
        if (std::isalnum(static_cast<unsigned char>(e)) || static_cast<unsigned char>(e) >= 0x80) {
          return std::nullopt;
        }
        from = std::string(1, e);
      } else {
        from = CodePoint();
      }
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        if (p_[i_] == '\\') return std::nullopt;
        std::string to = CodePoint();
        if (from.size() != 1 || to.size() != 1) {
          // A range of non-ASCII characters: large; it holds the space only if it starts below.
          large = true;
          space |= from.size() == 1 && static_cast<unsigned char>(from[0]) <= ' ';
          continue;
        }
        unsigned char lo = from[0], hi = to[0];
        if (lo > hi) return std::nullopt;
        if (lo <= ' ' && ' ' <= hi) space = true;
        if (size_t{hi} - lo + 1 > kMaxClass) {
          large = true;
          continue;
        }
        for (unsigned c = lo; c <= hi; ++c) members.insert(std::string(1, static_cast<char>(c)));
        continue;
      }
      if (from == " ") space = true;
      members.insert(from);
    }
    if (negated) {
      if (!space) return std::nullopt;  // matches the space
      return Set{std::string(1, kGap)};
    }
    if (large || members.size() > kMaxClass) {
      if (space) return std::nullopt;
      return Set{std::string(1, kGap)};
    }
    return Set(members.begin(), members.end());
  }

  // `atom` under the quantifier that follows it, if any.
  std::optional<Set> Quantified(Set atom) {
    if (i_ >= p_.size()) return atom;
    size_t min = 1, max = 1;
    char q = p_[i_];
    if (q == '?') {
      min = 0;
      ++i_;
    } else if (q == '*' || q == '+') {
      min = q == '+';
      max = SIZE_MAX;
      ++i_;
    } else if (q == '{') {
      size_t close = p_.find('}', i_);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view body = p_.substr(i_ + 1, close - i_ - 1);
      size_t comma = body.find(',');
      auto number = [](std::string_view s) -> std::optional<size_t> {
        if (s.empty() || s.size() > 4) return std::nullopt;
        size_t v = 0;
        for (char c : s) {
          if (c < '0' || c > '9') return std::nullopt;
          v = v * 10 + static_cast<size_t>(c - '0');
        }
        return v;
      };
      auto lo = number(body.substr(0, comma));
      if (!lo) return std::nullopt;
      min = *lo;
      if (comma == std::string_view::npos) {
        max = min;
      } else if (comma + 1 == body.size()) {
        max = SIZE_MAX;
      } else {
        auto hi = number(body.substr(comma + 1));
        if (!hi || *hi < min) return std::nullopt;
        max = *hi;
      }
      i_ = close + 1;
    } else {
      return atom;
    }
    if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+')) ++i_;  // lazy, possessive
    if (max > kMaxRepeat) {
      for (const std::string& s : atom) {
        if (s.find(' ') != std::string::npos) return std::nullopt;
      }
      return Set{std::string(1, kGap)};
    }
    Set out;
    Set power{""};
    for (size_t k = 0; k <= max; ++k) {
      if (k >= min) {
        out.insert(out.end(), power.begin(), power.end());
        if (out.size() > limit_) return std::nullopt;
      }
      if (k == max) break;
      auto next = Cross(power, atom);
      if (!next) return std::nullopt;
      power = std::move(*next);
    }
    return out;
  }

  std::string_view p_;
  size_t limit_;
  size_t i_ = 0;
};

// Folded characters of ASCII bytes: a letter lower-cased, a digit itself, 0 for a byte that is
// not part of a word. Non-ASCII bytes are all word bytes; FoldAt folds their characters.
constexpr std::array<uint8_t, 256> kFold = [] {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<uint8_t>(c);
  for (int c = 'a'; c <= 'z'; ++c) {
    t[c] = static_cast<uint8_t>(c);
    t[c - 'a' + 'A'] = static_cast<uint8_t>(c);
  }
  for (int c = 0x80; c < 256; ++c) t[c] = 0x80;
  return t;
}();

// The folded character of the non-ASCII character whose lead byte is bytes[i] (i < n), as
// Vectorscan's caseless UTF-8 matching folds it: the Latin-1 letters to their lower case, the
// few characters outside Latin-1 that fold into ASCII or Latin-1 (the Kelvin sign, the long s,
// the capital sharp s, the Angstrom sign, the capital y with diaeresis) with them, and every
// other character to one class, 0x80 (which only makes more words look alike).
inline uint8_t FoldNonAscii(const unsigned char* bytes, size_t n, size_t i) {
  unsigned char c = bytes[i];
  unsigned char next = i + 1 < n ? bytes[i + 1] : 0;
  switch (c) {
    case 0xC3:
      return static_cast<uint8_t>(next | 0x20);  // a continuation byte: 0xA0-0xBF
    case 0xC5:
      return next == 0xBF ? 's' : next == 0xB8 ? 0xBF : 0x80;
    case 0xE1:
      return next == 0xBA && i + 2 < n && bytes[i + 2] == 0x9E ? 0xBF : 0x80;
    case 0xE2:
      if (next == 0x84 && i + 2 < n) {
        if (bytes[i + 2] == 0xAA) return 'k';
        if (bytes[i + 2] == 0xAB) return 0xA5;
      }
      return 0x80;
    default:
      return 0x80;
  }
}

bool IsContinuation(unsigned char c) { return c >= 0x80 && c < 0xC0; }

// A suffix anchor of kSuffixKey characters or more is looked up by its last kSuffixKey, then
// checked against its last 16 (at most).
constexpr size_t kSuffixKey = 4;

// Keys are one multiplication of a word's last (up to) 16 folded characters and its length:
// the high bits index the filter, the low bits the table. Words longer than 16 characters that
// end alike share a key, which only opens a window more.
uint64_t ExactKey(uint64_t hi, uint64_t lo, size_t length) {
  return ((lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ (uint64_t{length} << 58)) * 0xbf58476d1ce4e5b9ULL) |
         1;  // 0 marks an empty slot
}

// `last` holds the last folded characters of a word, the latest in the low byte.
uint64_t SuffixKey(uint64_t last, size_t length) {
  uint64_t masked = last & ((uint64_t{1} << (8 * length)) - 1);
  return ((masked ^ (uint64_t{length + 16} << 56)) * 0x94d049bb133111ebULL) | 1;
}

// The last `length` (<= 16) folded characters held in hi:lo, the others cleared.
std::pair<uint64_t, uint64_t> Tail(uint64_t hi, uint64_t lo, size_t length) {
  if (length >= 16) return {hi, lo};
  if (length >= 8) {
    return {length == 8 ? 0 : hi & ((uint64_t{1} << (8 * (length - 8))) - 1), lo};
  }
  return {0, lo & ((uint64_t{1} << (8 * length)) - 1)};
}

// data/guard/common_words.txt.
const std::unordered_set<std::string>& CommonWords() {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> out;
    std::string_view text = kGuardCommonWords;
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      if (!line.empty() && line[0] != '#') out.emplace(line);
    }
    return out;
  }();
  return words;
}

}  // namespace

std::optional<std::vector<std::string>> ExpandPhrases(std::string_view pattern, size_t limit) {
  if (pattern.empty()) return std::nullopt;
  return Expander(pattern, limit).Run();
}

namespace {

// AnchorableWords, for a part of a phrase: whether a word at its start is whole, and whether
// one at its end is.
// With `open_ends`, also the words the text may go on after (PhraseWord::ends false).
std::vector<PhraseWord> PartWords(std::string_view part, bool whole_start, bool whole_end,
                                  bool open_ends = false) {
  std::vector<PhraseWord> words;
  size_t i = 0;
  while (i < part.size()) {
    if (!IsWordByte(static_cast<unsigned char>(part[i]))) {
      ++i;
      continue;
    }
    size_t from = i;
    while (i < part.size() && IsWordByte(static_cast<unsigned char>(part[i]))) ++i;
    bool right = i == part.size() ? whole_end : part[i] != kGap;
    // A word after an open run is the end of a word of the text, as at the start of a rule of
    // several lengths.
    bool exact = from == 0 ? whole_start : part[from - 1] != kGap;
    if (right || open_ends) words.push_back({from, i, exact, right});
  }
  return words;
}

// The phrases of `part` cut after their first word and the byte after it (which says whether
// the word ends there), deduplicated: what a pair across the part's start needs of it.
Set Heads(const Set& part) {
  std::set<std::string> heads;
  for (const std::string& phrase : part) {
    size_t i = 0;
    while (i < phrase.size() && !IsWordByte(static_cast<unsigned char>(phrase[i]))) ++i;
    while (i < phrase.size() && IsWordByte(static_cast<unsigned char>(phrase[i]))) ++i;
    heads.insert(phrase.substr(0, std::min(phrase.size(), i + 1)));
  }
  return Set(heads.begin(), heads.end());
}

// The phrases of `part` cut before their last word and the byte before it (which says whether
// the word is whole there), deduplicated: what a pair across the part's end needs of it.
Set Tails(const Set& part) {
  std::set<std::string> tails;
  for (const std::string& phrase : part) {
    size_t i = phrase.size();
    while (i > 0 && !IsWordByte(static_cast<unsigned char>(phrase[i - 1]))) --i;
    while (i > 0 && IsWordByte(static_cast<unsigned char>(phrase[i - 1]))) --i;
    tails.insert(phrase.substr(i > 0 ? i - 1 : 0));
  }
  return Set(tails.begin(), tails.end());
}

// Whether every phrase has one length and no character Vectorscan may match with one of
// another length ('k', 's', non-ASCII) nor an open run: then the engine checks a match's start.
bool FixedWidth(const Set& phrases) {
  return std::all_of(phrases.begin(), phrases.end(), [&](const std::string& phrase) {
    return phrase.size() == phrases.front().size() &&
           std::none_of(phrase.begin(), phrase.end(), [](char c) {
             auto b = static_cast<unsigned char>(c);
             return c == kGap || b >= 0x80 || (b | 0x20) == 'k' || (b | 0x20) == 's';
           });
  });
}

size_t Spaces(std::string_view s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), ' '));
}

}  // namespace

std::vector<PhraseWord> AnchorableWords(std::string_view phrase, bool fixed_width) {
  return PartWords(phrase, fixed_width, true);
}

std::optional<std::vector<Anchor>> AnchorsOf(std::string_view pattern, size_t limit, bool pairs) {
  std::vector<Set> parts;
  if (auto phrases = ExpandPhrases(pattern, limit)) {
    parts.push_back(std::move(*phrases));
  } else {
    if (pattern.empty()) return std::nullopt;
    Expander expander(pattern, limit);
    auto split = expander.Parts();
    if (!split || split->empty()) return std::nullopt;
    parts = std::move(*split);
  }
  bool fixed = std::all_of(parts.begin(), parts.end(), FixedWidth);
  // The most spaces each part holds.
  std::vector<size_t> spaces;
  for (const Set& part : parts) {
    size_t most = 0;
    for (const std::string& s : part) most = std::max(most, Spaces(s));
    spaces.push_back(most);
  }
  // Each phrase's anchor lies in one part: the part whose worst phrase is best anchored.
  // Whether what follows part k begins with a non-word byte (or ends the phrase) whichever
  // phrases the parts after it match; an empty phrase passes the question on.
  auto apart = [](const std::string& s, bool at_end) {
    auto c = static_cast<unsigned char>(at_end ? s.back() : s[0]);
    return c != static_cast<unsigned char>(kGap) && !IsWordByte(c);
  };
  auto whole_end_after = [&](size_t k) {
    for (size_t j = k + 1; j < parts.size(); ++j) {
      bool empty = false;
      for (const std::string& s : parts[j]) {
        if (s.empty()) {
          empty = true;
        } else if (!apart(s, false)) {
          return false;
        }
      }
      if (!empty) return true;
    }
    return true;
  };
  auto whole_start_before = [&](size_t k) {
    for (size_t j = k; j-- > 0;) {
      bool empty = false;
      for (const std::string& s : parts[j]) {
        if (s.empty()) {
          empty = true;
        } else if (!apart(s, true)) {
          return false;
        }
      }
      if (!empty) return true;
    }
    return fixed;
  };
  std::optional<std::vector<Anchor>> best;
  int best_cost = 0;
  std::unordered_map<std::string, int> costs;
  // The anchors of the phrases of parts [k, last] joined, if each has one; kept if their worst
  // costs least so far.
  // `cut_start`: the phrases of part k in `joined` are cut before their last word (Tails);
  // `cut_end`: those of part `last` after their first word (Heads). The spaces of a cut part
  // count in full.
  auto consider = [&](size_t k, size_t last, const Set& joined, bool cut_start = false,
                      bool cut_end = false) {
    bool whole_start = whole_start_before(k);
    bool whole_end = whole_end_after(last);
    size_t before_part = 0, after_part = 0;
    for (size_t j = 0; j < k; ++j) before_part += spaces[j];
    for (size_t j = last + 1; j < parts.size(); ++j) after_part += spaces[j];
    if (cut_start) before_part += spaces[k];
    if (cut_end) after_part += spaces[last];
    std::vector<Anchor> anchors;
    int worst = 0;
    for (const std::string& phrase : joined) {
      // Every word, and whether the text may go on after it (a second word of a pair can be).
      auto words = PartWords(phrase, whole_start, whole_end, pairs);
      auto chosen = words.end();
      int chosen_cost = 0;
      // The phrases of a rule share most of their words: each word is costed once. A word the
      // text may go on after costs as a suffix: what matters is how many words it begins.
      auto cost = [&](const PhraseWord& w) {
        bool exact = w.exact && w.ends;
        std::string key = phrase.substr(w.from, w.to - w.from);
        key += exact ? '\1' : '\2';
        auto [it, added] = costs.try_emplace(std::move(key), 0);
        if (added) {
          it->second = WordCost(std::string_view(phrase).substr(w.from, w.to - w.from), exact);
        }
        return it->second;
      };
      for (auto w = words.begin(); w != words.end(); ++w) {
        if (!w->ends) continue;
        int c = cost(*w);
        if (chosen == words.end() || c < chosen_cost) {
          chosen = w;
          chosen_cost = c;
        }
      }
      if (chosen == words.end()) return;
      // A common word: a pair of adjacent words may be rarer. The second word has a literal
      // non-word byte before it, so in the text it begins the word that follows the first after
      // exactly the bytes between them in the phrase; it is that word when it ends there.
      auto paired = words.end();
      bool paired_before = false;
      int chosen_key_cost = chosen_cost;
      if (pairs && chosen_cost >= kPairWorthy) {
        for (auto w = words.begin(); w + 1 != words.end(); ++w) {
          std::string_view between = std::string_view(phrase).substr(w->to, (w + 1)->from - w->to);
          bool literal = !between.empty() && between.size() <= kMaxSeparator &&
                         std::none_of(between.begin(), between.end(), [](char c) {
                           return c == kGap || IsWordByte(static_cast<unsigned char>(c));
                         });
          if (!literal || !w->ends || !(w + 1)->exact) continue;
          // Looked up by its rarer word, which must end a word of the text: the other word is
          // checked next to it. Of pairs that cost alike, the one looked up least.
          int first = cost(*w);
          int second = cost(*(w + 1));
          bool before = (w + 1)->ends && second < first;
          int key_cost = before ? second : first;
          int c = PairCost(first, second);
          if (c < chosen_cost ||
              (c == chosen_cost && paired != words.end() && key_cost < chosen_key_cost)) {
            chosen = before ? w + 1 : w;
            paired = before ? w : w + 1;
            paired_before = before;
            chosen_cost = c;
            chosen_key_cost = key_cost;
          }
        }
      }
      size_t before = before_part + Spaces(std::string_view(phrase).substr(0, chosen->from));
      size_t after = after_part + Spaces(std::string_view(phrase).substr(chosen->to));
      if (before > AnchorIndex::kMaxSpaces || after > AnchorIndex::kMaxSpaces) return;
      worst = std::max(worst, chosen_cost);
      Anchor anchor{phrase.substr(chosen->from, chosen->to - chosen->from), chosen->exact,
                    static_cast<uint8_t>(before), static_cast<uint8_t>(after)};
      if (paired != words.end()) {
        anchor.other = phrase.substr(paired->from, paired->to - paired->from);
        auto [left, right] = paired_before ? std::pair{paired, chosen} : std::pair{chosen, paired};
        anchor.separator = phrase.substr(left->to, right->from - left->to);
        anchor.other_whole = paired_before ? paired->exact : paired->ends;
        anchor.other_before = paired_before;
      }
      anchors.push_back(std::move(anchor));
    }
    if (!best || worst < best_cost) {
      best = std::move(anchors);
      best_cost = worst;
    }
  };
  // Each part, and runs of up to three neighbours joined while their phrases are few enough: a
  // word whose boundary lies between two parts is only whole in their join.
  // A part too large to join whole with its neighbour still makes pairs across the boundary
  // with the neighbour's first or last word ("délégué" + "du ..."): joined with Heads or Tails,
  // which are few, up to a larger limit.
  const size_t cut_limit = 8 * limit;
  for (size_t k = 0; k < parts.size(); ++k) {
    Set joined = parts[k];
    consider(k, k, joined);
    if (pairs && k > 0) {
      auto tails = Expander::Cross(Tails(parts[k - 1]), parts[k], cut_limit);
      if (tails) consider(k - 1, k, *tails, true, false);
    }
    for (size_t last = k + 1; last < parts.size() && last < k + 3; ++last) {
      auto crossed = Expander::Cross(joined, parts[last], limit);
      if (!crossed) {
        if (pairs) {
          auto heads = Expander::Cross(joined, Heads(parts[last]), cut_limit);
          if (heads) consider(k, last, *heads, false, true);
        }
        break;
      }
      joined = std::move(*crossed);
      consider(k, last, joined);
    }
  }
  return best;
}

int WordCost(std::string_view word, bool exact) {
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool digits =
      std::all_of(lower.begin(), lower.end(), [](char c) { return c >= '0' && c <= '9'; });
  size_t length = 0;  // characters
  for (char c : lower) length += IsCodePointStart(static_cast<unsigned char>(c));
  int cost = 0;
  if (digits) {
    cost = 1000;
  } else if (CommonWords().count(lower) > 0) {
    cost = 500 - 10 * static_cast<int>(std::min<size_t>(length, 10));
  } else if (length <= 2) {
    cost = 300;
  } else if (length == 3) {
    cost = 100;
  } else {
    cost = 50 - static_cast<int>(std::min<size_t>(length, 20));
  }
  // A suffix costs more lookups, and short suffixes end many words.
  if (!exact) cost += length <= 2 ? 600 : length == 3 ? 200 : 15;
  return cost;
}

int PairCost(int first, int second) { return 150 + std::min(first, second) / 4; }

std::string FoldWord(std::string_view word) {
  std::string out;
  const auto* bytes = reinterpret_cast<const unsigned char*>(word.data());
  for (size_t i = 0; i < word.size(); ++i) {
    unsigned char c = bytes[i];
    if (c < 0x80) {
      out += static_cast<char>(kFold[c]);
    } else if (!IsContinuation(c)) {
      out += static_cast<char>(FoldNonAscii(bytes, word.size(), i));
    }
  }
  return out;
}

namespace {
constexpr unsigned kBitsLog2 = 17;  // 16 KiB of bits: stays in the L1 cache
}  // namespace

namespace {

// A folded word's last (up to) 16 characters, the latest in the low byte of `lo`.
std::pair<uint64_t, uint64_t> Packed(std::string_view folded) {
  uint64_t hi = 0, lo = 0;
  for (char c : folded) {
    hi = (hi << 8) | (lo >> 56);
    lo = (lo << 8) | static_cast<unsigned char>(c);
  }
  return {hi, lo};
}

// Up to 8 bytes (a separator, the start of a folded word), the first in the low byte.
uint64_t PackedSeparator(const unsigned char* bytes, size_t length) {
  uint64_t out = 0;
  for (size_t k = 0; k < length; ++k) out |= uint64_t{bytes[k]} << (8 * k);
  return out;
}

}  // namespace

AnchorIndex::AnchorIndex(const std::vector<Anchor>& anchors) {
  size_t capacity = 16;
  while (capacity < anchors.size() * 2) capacity *= 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  bits_.assign((size_t{1} << kBitsLog2) / 64, 0);
  // The pairs begun by each key of the table, laid out together at the end.
  std::map<uint64_t, std::vector<Pair>> slot_pairs;
  // Suffix anchors of kSuffixKey characters or more, by key, to lay their checks out together;
  // each with its pair, if it is one.
  struct LongSuffix {
    uint64_t key;
    Check check;
    std::optional<Pair> pair;
  };
  std::vector<LongSuffix> long_suffixes;
  for (const Anchor& anchor : anchors) {
    std::string folded = FoldWord(anchor.word);
    if (folded.empty()) continue;
    auto [hi, lo] = Packed(folded);
    std::optional<Pair> pair;
    if (!anchor.other.empty()) {
      std::string other = FoldWord(anchor.other);
      const auto* separator = reinterpret_cast<const unsigned char*>(anchor.separator.data());
      pair = Pair{};
      pair->before = anchor.other_before;
      auto [other_hi, other_lo] = Packed(other);
      size_t length = std::min<size_t>(other.size(), 8);
      if (anchor.other_whole) {
        pair->other_key = ExactKey(other_hi, other_lo, other.size());
      } else if (anchor.other_before) {
        // A word that ends with the last 8 characters, or begins with the first 8, may end or
        // begin with all of them: a window more, never one less.
        pair->other_part = Tail(other_hi, other_lo, length).second;
        pair->other_part_length = static_cast<uint8_t>(length);
      } else {
        pair->other_part =
            PackedSeparator(reinterpret_cast<const unsigned char*>(other.data()), length);
        pair->other_part_length = static_cast<uint8_t>(length);
      }
      size_t separator_length = std::min(anchor.separator.size(), kMaxSeparator);
      pair->separator = PackedSeparator(separator, separator_length);
      pair->separator_length = static_cast<uint8_t>(separator_length);
      pair->spaces_before = anchor.spaces_before;
      pair->spaces_after = anchor.spaces_after;
    }
    auto add = [&](Anchors& into, uint64_t key) {
      if (pair) {
        slot_pairs[key].push_back(*pair);
        return;
      }
      into.alone = true;
      into.spaces_before = std::max(into.spaces_before, anchor.spaces_before);
      into.spaces_after = std::max(into.spaces_after, anchor.spaces_after);
    };
    if (anchor.exact) {
      uint64_t key = ExactKey(hi, lo, folded.size());
      add(Insert(key).anchors, key);
      continue;
    }
    if (folded.size() < kSuffixKey) {
      uint64_t key = SuffixKey(lo, folded.size());
      add(Insert(key).anchors, key);
      suffix_lengths_ |= uint32_t{1} << folded.size();
      continue;
    }
    auto [thi, tlo] = Tail(hi, lo, folded.size());
    Check check{thi, tlo, static_cast<uint32_t>(folded.size()), {}};
    if (!pair) {
      check.anchors.alone = true;
      check.anchors.spaces_before = anchor.spaces_before;
      check.anchors.spaces_after = anchor.spaces_after;
    }
    long_suffixes.push_back({SuffixKey(lo, kSuffixKey), check, pair});
    suffix_lengths_ |= uint32_t{1} << kSuffixKey;
  }
  std::stable_sort(long_suffixes.begin(), long_suffixes.end(),
                   [](const LongSuffix& a, const LongSuffix& b) { return a.key < b.key; });
  for (size_t i = 0; i < long_suffixes.size();) {
    size_t j = i;
    Slot& slot = Insert(long_suffixes[i].key);
    slot.first = static_cast<uint32_t>(checks_.size());
    while (j < long_suffixes.size() && long_suffixes[j].key == long_suffixes[i].key) {
      Check check = long_suffixes[j].check;
      if (long_suffixes[j].pair) {
        check.anchors.pairs_first = static_cast<uint32_t>(pairs_.size());
        check.anchors.pairs_count = 1;
        pairs_.push_back(*long_suffixes[j].pair);
      }
      checks_.push_back(check);
      ++j;
    }
    slot.count = static_cast<uint16_t>(std::min<size_t>(j - i, UINT16_MAX));
    i = j;
  }
  for (auto& [key, pairs] : slot_pairs) {
    std::stable_partition(pairs.begin(), pairs.end(), [](const Pair& p) { return p.before; });
    Anchors& into = Insert(key).anchors;
    if (pairs.size() > UINT16_MAX) {
      // More pairs than a key holds: the word alone, which only opens more.
      into.alone = true;
      for (const Pair& pair : pairs) {
        into.spaces_before = std::max(into.spaces_before, pair.spaces_before);
        into.spaces_after = std::max(into.spaces_after, pair.spaces_after);
      }
      continue;
    }
    into.pairs_first = static_cast<uint32_t>(pairs_.size());
    into.pairs_count = static_cast<uint16_t>(pairs.size());
    pairs_.insert(pairs_.end(), pairs.begin(), pairs.end());
  }
}

AnchorIndex::Slot& AnchorIndex::Insert(uint64_t key) {
  bits_[key >> (64 - kBitsLog2) >> 6] |= uint64_t{1} << ((key >> (64 - kBitsLog2)) & 63);
  size_t i = (key >> 20) & mask_;  // the low bits of a product mix little
  while (slots_[i].key != 0 && slots_[i].key != key) i = (i + 1) & mask_;
  Slot& slot = slots_[i];
  if (slot.key == 0) ++count_;
  slot.key = key;
  return slot;
}

const AnchorIndex::Slot* AnchorIndex::Find(uint64_t key) const {
  uint64_t bit = key >> (64 - kBitsLog2);
  if ((bits_[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0) return nullptr;
  size_t i = (key >> 20) & mask_;  // the low bits of a product mix little
  while (true) {
    const Slot& slot = slots_[i];
    if (slot.key == key) return &slot;
    if (slot.key == 0) return nullptr;
    i = (i + 1) & mask_;
  }
}

void AnchorIndex::FindWindows(std::string_view text, std::vector<Window>& windows) const {
  windows.clear();
  if (count_ == 0) return;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  // The latest spaces, for the left edges (a pair's window is opened at its second word, up to
  // kMaxSeparator spaces after the first); and the window still open to the right, which closes
  // at the space that `need` counts down to.
  std::array<size_t, 64> ring{};
  static_assert(kMaxSpaces + kMaxSeparator < 64);
  size_t spaces = 0;
  bool open = false;
  size_t need = 0;
  Window current{0, 0};
  // The left edge of a window whose anchor came after `spaces_then` spaces and whose phrases
  // hold `before` spaces before it.
  auto left_of = [&](size_t spaces_then, size_t before) {
    return spaces_then > before ? ring[(spaces_then - 1 - before) & 63] + 1 : 0;
  };
  // Opens the window at `left`, or widens the open one, to close at the `close`-th space from
  // here; merges the windows it reaches.
  auto widen = [&](size_t left, size_t close) {
    if (open) {
      current.from = std::min(current.from, left);
      need = std::max(need, close);
    } else {
      current = {left, 0};
      need = close;
      open = true;
    }
    while (!windows.empty() && windows.back().to + 1 >= current.from) {
      current.from = std::min(current.from, windows.back().from);
      windows.pop_back();
    }
  };
  // Whether the bytes text[from, to) are a pair's separator.
  auto separated = [&](const Pair& pair, size_t from, size_t to) {
    return to - from == pair.separator_length &&
           PackedSeparator(bytes + from, pair.separator_length) == pair.separator;
  };
  // The pairs whose other word comes after the previous word (ranges of pairs_), where that
  // word ended, and the spaces before it.
  std::array<std::pair<uint32_t, uint16_t>, 8> pending{};
  size_t pending_count = 0;
  size_t pending_end = 0;
  size_t pending_spaces = 0;
  // The previous word: its key, its last 8 folded characters and their count, where it ended.
  uint64_t previous_key = 0;
  uint64_t previous_lo = 0;
  size_t previous_length = 0;
  size_t previous_end = SIZE_MAX;
  size_t i = 0;
  while (i < n) {
    unsigned char c = bytes[i];
    if (kFold[c] == 0) {
      if (c == ' ') {
        ring[spaces & 63] = i;
        ++spaces;
        if (open && --need == 0) {
          current.to = i;
          windows.push_back(current);
          open = false;
        }
      }
      ++i;
      continue;
    }
    // A word: its last 16 folded characters kept in hi:lo.
    const size_t start = i;
    uint64_t hi = 0, lo = 0;
    size_t length = 0;
    for (; i < n; ++i) {
      c = bytes[i];
      uint8_t f = kFold[c];
      if (f == 0) break;
      if (c >= 0x80) {
        if (IsContinuation(c)) continue;
        f = FoldNonAscii(bytes, n, i);
      }
      hi = (hi << 8) | (lo >> 56);
      lo = (lo << 8) | f;
      ++length;
    }
    const uint64_t key = ExactKey(hi, lo, length);
    if (pending_count != 0) {
      // The word after the first word of pairs: their windows, the first word's.
      const size_t between = spaces - pending_spaces;
      // The word's first 8 folded characters, for the other words the text may go on after;
      // worked out when one is asked about.
      uint64_t prefix = 0;
      size_t prefix_length = SIZE_MAX;
      auto other_matches = [&](const Pair& pair) {
        if (pair.other_part_length == 0) return pair.other_key == key;
        if (prefix_length == SIZE_MAX) {
          prefix_length = 0;
          for (size_t j = start; j < i && prefix_length < 8; ++j) {
            uint8_t f = kFold[bytes[j]];
            if (bytes[j] >= 0x80) {
              if (IsContinuation(bytes[j])) continue;
              f = FoldNonAscii(bytes, n, j);
            }
            prefix |= uint64_t{f} << (8 * prefix_length++);
          }
        }
        return prefix_length >= pair.other_part_length &&
               Tail(0, prefix, pair.other_part_length).second == pair.other_part;
      };
      for (size_t r = 0; r < pending_count; ++r) {
        for (size_t k = pending[r].first; k < size_t{pending[r].first} + pending[r].second; ++k) {
          const Pair& pair = pairs_[k];
          if (between <= pair.spaces_after && separated(pair, pending_end, start) &&
              other_matches(pair)) {
            widen(left_of(pending_spaces, pair.spaces_before), pair.spaces_after + 1 - between);
          }
        }
      }
      pending_count = 0;
    }
    size_t before = 0, after = 0;
    bool found = false;
    auto take_spaces = [&](size_t b, size_t a) {
      found = true;
      before = std::max(before, b);
      after = std::max(after, a);
    };
    auto take = [&](const Anchors& anchors) {
      if (anchors.alone) take_spaces(anchors.spaces_before, anchors.spaces_after);
      size_t k = anchors.pairs_first;
      const size_t end = k + anchors.pairs_count;
      // The other word before: the previous word, checked now.
      for (; k < end && pairs_[k].before; ++k) {
        const Pair& pair = pairs_[k];
        if (previous_end == SIZE_MAX || !separated(pair, previous_end, start)) continue;
        bool other =
            pair.other_part_length == 0
                ? pair.other_key == previous_key
                : previous_length >= pair.other_part_length &&
                      Tail(0, previous_lo, pair.other_part_length).second == pair.other_part;
        if (other) take_spaces(pair.spaces_before, pair.spaces_after);
      }
      if (k == end) return;
      if (pending_count < pending.size()) {
        pending[pending_count++] = {static_cast<uint32_t>(k), static_cast<uint16_t>(end - k)};
        return;
      }
      // More pairs than kept: the word alone, which only opens more.
      for (; k < end; ++k) take_spaces(pairs_[k].spaces_before, pairs_[k].spaces_after);
    };
    if (const Slot* slot = Find(key)) take(slot->anchors);
    uint32_t lengths =
        suffix_lengths_ & ((uint32_t{2} << std::min<size_t>(length, kSuffixKey)) - 1);
    while (lengths != 0) {
      auto l = static_cast<size_t>(__builtin_ctz(lengths));
      lengths &= lengths - 1;
      const Slot* slot = Find(SuffixKey(lo, l));
      if (slot == nullptr) continue;
      if (l < kSuffixKey) {
        take(slot->anchors);
        continue;
      }
      for (size_t k = slot->first; k < size_t{slot->first} + slot->count; ++k) {
        const Check& check = checks_[k];
        if (check.length > length) continue;
        auto [thi, tlo] = Tail(hi, lo, check.length);
        if (thi == check.hi && tlo == check.lo) take(check.anchors);
      }
    }
    if (pending_count != 0) {
      pending_end = i;
      pending_spaces = spaces;
    }
    previous_key = key;
    previous_lo = lo;
    previous_length = length;
    previous_end = i;
    if (found) widen(left_of(spaces, before), after + 1);
  }
  if (open) {
    current.to = n;
    windows.push_back(current);
  }
}

}  // namespace privacyd::guard::internal
