// "Did you mean ...?" for names a person typed: the closest candidate by edit distance.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace privacyd {

// Levenshtein distance (insertions, deletions, substitutions).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `typed`, if it is close enough to be what was meant: within a third
// of the longer word's length (at least 1, at most 3 edits). Ties go to the earlier candidate.
std::optional<std::string> SuggestClosest(std::string_view typed,
                                          const std::vector<std::string>& candidates);

}  // namespace privacyd
