// The first stage of the guard's two-stage lexicon scan: the words that every match of a lexicon
// rule must contain ("anchors"), found by one pass over the words of a text, so that the rules'
// database is scanned only in windows around them (docs/guard.md, "How the rules are scanned").
//
// A rule is expanded into the finite set of phrases it matches (ExpandPhrases); each phrase gets
// its own anchor, the rarest of its words, so that a rule is as well anchored as its best word
// in every branch, not as its weakest branch. The windows are wide enough to hold every phrase
// of every rule around each of its anchors, so that scanning only the windows finds exactly
// what a scan of the whole text finds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace privacyd::guard::internal {

// In an expanded phrase: a run of bytes the pattern leaves open (a class under `+` or `*`, a
// negated class, `\w`), possibly empty, never containing a space.
inline constexpr char kGap = '\0';

// Every phrase `pattern` (Hyperscan syntax, as in the lexicons) can match, its literal bytes as
// written (case is folded later) and kGap for open runs; or nullopt when the pattern uses
// syntax outside the subset the lexicons use (alternation, groups, `?`, bounded repeats,
// classes, escaped punctuation), has an open run that may contain a space (`.`, `\s`, a negated
// class that does not exclude the space), or matches more than `limit` phrases.
std::optional<std::vector<std::string>> ExpandPhrases(std::string_view pattern, size_t limit);

// A word of `phrase` that a match of it must contain, and how it must appear in the text.
struct PhraseWord {
  size_t from = 0;
  size_t to = 0;
  // True: the text holds the word as a whole word. False: the word begins the phrase of a rule
  // whose matches have several lengths, which the engine checks for a whole word at its end
  // only (docs/guard.md), so the text holds a word that ends with it ("hiv" in "Archiv").
  bool exact = true;
};

// The words of `phrase` that can anchor it: maximal runs of word bytes (text_scan.h) followed
// by a literal non-word byte or the phrase's end. Exact when preceded by a literal non-word
// byte, or at the start of the phrase when `fixed_width`; else as a suffix (after an open run,
// or at the start of a rule of several lengths; see PhraseWord::exact).
std::vector<PhraseWord> AnchorableWords(std::string_view phrase, bool fixed_width);

// How rare a word is taken to be in ordinary text: lower is rarer. Common words of English,
// German and French, short words and numbers cost most; among the rest, longer is rarer.
int WordCost(std::string_view word, bool exact);

// One anchor: a word, how it must appear, and how many spaces the phrases anchored on it hold
// before and after it.
struct Anchor {
  std::string word;
  bool exact = true;
  uint8_t spaces_before = 0;
  uint8_t spaces_after = 0;
};

// The anchors of `pattern`: for every phrase it matches, its cheapest word by WordCost. A
// pattern of more than `limit` phrases is taken as the sequence of its parts (groups, classes,
// words) and anchored on the part whose every phrase has the cheapest worst word. Nullopt when
// a phrase has no anchorable word or the pattern cannot be expanded (ExpandPhrases).
std::optional<std::vector<Anchor>> AnchorsOf(std::string_view pattern, size_t limit);

// A byte range [from, to) of a text.
struct Window {
  size_t from;
  size_t to;
};

// The set of anchors, looked up word by word.
class AnchorIndex {
 public:
  // At most this many spaces before or after an anchor in its phrases.
  static constexpr size_t kMaxSpaces = 31;

  AnchorIndex() = default;
  explicit AnchorIndex(const std::vector<Anchor>& anchors);

  // The windows of `text` to scan for the anchored rules, in order, disjoint, not adjacent:
  // around each occurrence of an anchor, from just after the (spaces_before + 1)-th space before
  // the word to the (spaces_after + 1)-th space after it (or the text's ends). A phrase that
  // holds the anchor there lies inside, since its open runs hold no space. Case is folded as
  // Vectorscan folds it: ASCII letters, and any non-ASCII character taken as one that may fold
  // to anything ("ſ" and the Kelvin sign match "s" and "k"). `text` may hold any bytes.
  void FindWindows(std::string_view text, std::vector<Window>& windows) const;

  // Distinct anchors.
  size_t size() const { return count_; }
  // Memory of the lookup structures.
  size_t bytes() const {
    return slots_.size() * sizeof(Slot) + checks_.size() * sizeof(Check) + bits_.size() * 8;
  }

 private:
  // One key of the table: an exact word, or the last characters of suffix anchors.
  struct Slot {
    uint64_t key = 0;    // 0: empty
    uint32_t first = 0;  // suffix anchors of 4 characters or more: checks_[first, first + count)
    uint16_t count = 0;
    uint8_t spaces_before = 0;  // the others: their spaces
    uint8_t spaces_after = 0;
  };
  // A suffix anchor's last (up to) 16 folded characters, as FindWindows keeps them.
  struct Check {
    uint64_t hi;
    uint64_t lo;
    uint32_t length;  // of the anchor, in folded characters
    uint8_t spaces_before;
    uint8_t spaces_after;
  };
  const Slot* Find(uint64_t key) const;
  Slot& Insert(uint64_t key);

  std::vector<Slot> slots_;
  std::vector<Check> checks_;
  std::vector<uint64_t> bits_;  // a bit per key hash, checked before the table
  uint64_t mask_ = 0;
  size_t count_ = 0;
  uint32_t suffix_lengths_ = 0;  // bit L: suffix anchors keyed on L characters
};

// The keys of the index, exposed for tests: a word's folded characters.
std::string FoldWord(std::string_view word);

}  // namespace privacyd::guard::internal
