// The first stage of the guard's two-stage lexicon scan: the words that every match of a lexicon
// rule must contain ("anchors"), found by one pass over the words of a text, so that the rules'
// database is scanned only in windows around them (docs/guard.md, "How the rules are scanned").
//
// A rule is expanded into the finite set of phrases it matches (ExpandPhrases); each phrase gets
// its own anchor, the rarest of its words, so that a rule is as well anchored as its best word
// in every branch, not as its weakest branch. When that word is common in business text
// ("support", "very"), the anchor is a pair of adjacent words of the phrase instead ("in
// support", "vis avec"), both required, with the exact bytes between them, looked up by the
// rarer of the two. The windows are wide enough to hold
// every phrase of every rule around each of its anchors, so that scanning only the windows finds
// exactly what a scan of the whole text finds.
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
  // True: the word ends a word of the text (a literal non-word byte follows it, or it ends the
  // phrase). False: the text may go on after it (an open run or an optional space follows); such
  // a word can only be the other word of a pair, after the word looked up.
  bool ends = true;
};

// The words of `phrase` that can anchor it: maximal runs of word bytes (text_scan.h) followed
// by a literal non-word byte or the phrase's end. Exact when preceded by a literal non-word
// byte, or at the start of the phrase when `fixed_width`; else as a suffix (after an open run,
// or at the start of a rule of several lengths; see PhraseWord::exact).
std::vector<PhraseWord> AnchorableWords(std::string_view phrase, bool fixed_width);

// How rare a word is taken to be in ordinary text: lower is rarer. Common words of English,
// German and French, short words and numbers cost most; among the rest, longer is rarer.
int WordCost(std::string_view word, bool exact);

// A phrase whose cheapest word costs this much or more (a common word, a word of one or two
// characters, a number, a short suffix) is anchored on a pair of adjacent words if one costs
// less (PairCost).
inline constexpr int kPairWorthy = 300;

// What a pair of adjacent words costs, from the costs of its words: 150 and a quarter of the
// cheaper one's, so less than a common word alone and more than a word of three characters or
// more that is not common.
int PairCost(int first, int second);

// At most this many bytes between the two words of a pair anchor.
inline constexpr size_t kMaxSeparator = 8;

// One anchor: a word, how it must appear, and how many spaces the phrases anchored on it hold
// before and after it. With `other`, a pair: the word must be followed in the text by exactly
// `separator` (non-word bytes) and a word that is `other` (`other_whole`) or begins with it; or,
// with `other_before`, preceded by a word that is `other` or ends with it, and `separator`. The
// rarer word of the pair is `word`, the one looked up.
struct Anchor {
  std::string word;
  bool exact = true;
  uint8_t spaces_before = 0;
  uint8_t spaces_after = 0;
  std::string other;
  std::string separator;
  bool other_whole = true;
  bool other_before = false;
};

// The anchors of `pattern`: for every phrase it matches, its cheapest word by WordCost, or with
// `pairs` its cheapest pair of adjacent words when that word costs kPairWorthy or more and the
// pair less. A pattern of more than `limit` phrases is taken as the sequence of its parts
// (groups, classes, words) and anchored on the part whose every phrase has the cheapest worst
// anchor. Nullopt when a phrase has no anchorable word or the pattern cannot be expanded
// (ExpandPhrases).
std::optional<std::vector<Anchor>> AnchorsOf(std::string_view pattern, size_t limit,
                                             bool pairs = true);

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
  // the word to the (spaces_after + 1)-th space after it (or the text's ends). A pair's window
  // is the one of the word looked up, opened only where the separator and the other word stand
  // next to it.
  // A phrase that holds the anchor there lies inside, since its open runs hold no space. Case is
  // folded as Vectorscan folds it: ASCII letters, and any non-ASCII character taken as one that
  // may fold to anything ("ſ" and the Kelvin sign match "s" and "k"). `text` may hold any bytes.
  void FindWindows(std::string_view text, std::vector<Window>& windows) const;

  // Distinct anchors.
  size_t size() const { return count_; }
  // Memory of the lookup structures.
  size_t bytes() const {
    return slots_.size() * sizeof(Slot) + checks_.size() * sizeof(Check) +
           pairs_.size() * sizeof(Pair) + bits_.size() * 8;
  }

 private:
  // The other word of a pair anchor, next to the word looked up.
  struct Pair {
    uint64_t other_key = 0;         // the other word's key (ExactKey), when it is whole
    uint64_t other_part = 0;        // else its first (after) or last (before) 8 folded characters,
                                    // in the order FindWindows keeps a word's characters
    uint64_t separator = 0;         // the bytes between, the first in the low byte
    uint8_t other_part_length = 0;  // 0: whole
    uint8_t separator_length = 0;
    uint8_t spaces_before = 0;  // of the word looked up
    uint8_t spaces_after = 0;
    bool before = false;  // the other word comes before
  };
  // The anchors a key stands for: the word alone (`alone`, with its spaces), and the pairs it
  // is part of, pairs_[pairs_first, pairs_first + pairs_count), those with the other word
  // before first.
  struct Anchors {
    uint32_t pairs_first = 0;
    uint16_t pairs_count = 0;
    bool alone = false;
    uint8_t spaces_before = 0;
    uint8_t spaces_after = 0;
  };
  // One key of the table: an exact word, or the last characters of suffix anchors.
  struct Slot {
    uint64_t key = 0;    // 0: empty
    uint32_t first = 0;  // suffix anchors of 4 characters or more: checks_[first, first + count)
    uint16_t count = 0;
    Anchors anchors;  // the others
  };
  // A suffix anchor's last (up to) 16 folded characters, as FindWindows keeps them.
  struct Check {
    uint64_t hi;
    uint64_t lo;
    uint32_t length;  // of the anchor, in folded characters
    Anchors anchors;
  };
  const Slot* Find(uint64_t key) const;
  Slot& Insert(uint64_t key);

  std::vector<Slot> slots_;
  std::vector<Check> checks_;
  std::vector<Pair> pairs_;
  std::vector<uint64_t> bits_;  // a bit per key hash, checked before the table
  uint64_t mask_ = 0;
  size_t count_ = 0;
  uint32_t suffix_lengths_ = 0;  // bit L: suffix anchors keyed on L characters
};

// The keys of the index, exposed for tests: a word's folded characters.
std::string FoldWord(std::string_view word);

}  // namespace privacyd::guard::internal
