// Regular expressions over decimal digits, as libphonenumber's metadata writes them: digits,
// `\d`, classes of digits (`[2-79]`), non-capturing groups, alternation, `?` and counted
// repetition (`{n}`, `{n,m}`). The phone number check (phone_check.h) matches national numbers
// against them without ICU, which libphonenumber uses for the same patterns and which costs
// microseconds per pattern.
//
// A pattern is compiled to its position automaton (Glushkov) and matched by simulating it, in
// time linear in the input for any pattern. Matching decides membership in the pattern's
// language, so its answers are those of any regular-expression engine for the same pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace privacyd::guard::internal {

class DigitPattern {
 public:
  // The most positions (digits and classes, after counted repetitions are written out) a
  // compiled pattern may have; matching keeps two lists of that many on the stack.
  // libphonenumber's largest pattern has about 500.
  static constexpr size_t kMaxPositions = 1024;

  // Compiles `pattern`; nullopt when it uses anything beyond the syntax above (capturing groups,
  // `*`, `+`, anchors, escapes other than `\d`, negated classes, ...) or has more than
  // kMaxPositions positions. Callers then fall back to a full regular-expression engine.
  static std::optional<DigitPattern> Compile(std::string_view pattern);

  // Whether all of `digits` matches (ICU's matches(), libphonenumber's FullMatch). False when
  // `digits` holds anything but ASCII digits.
  bool FullMatch(std::string_view digits) const;
  // Whether a prefix of `digits` matches (ICU's lookingAt(), libphonenumber's Consume).
  bool MatchesPrefix(std::string_view digits) const;

  size_t positions() const { return masks_.size(); }

 private:
  // Simulates the automaton over `digits`; with `prefix`, stops at the first accepting state.
  bool Run(std::string_view digits, bool prefix) const;

  // Position i accepts the digits whose bits are set in masks_[i]; after it may come the
  // positions follow_[follow_begin_[i] .. follow_begin_[i + 1]).
  std::vector<uint16_t> masks_;
  std::vector<uint32_t> follow_begin_;
  std::vector<uint16_t> follow_;
  std::vector<uint16_t> first_;
  std::vector<bool> last_;
  bool nullable_ = false;
};

}  // namespace privacyd::guard::internal
