// What changed between two versions of the policy, clause by clause, and whether each change is
// material: a change people would not expect and must be told about before it applies.
//
// Material: a new data category, purpose, recipient or destination country; a longer retention;
// a legal basis moving away from consent; a lower minimum age; a category no longer prohibited;
// starting to sell data. Everything else (wording, names, contact details, shorter retention,
// removals) is editorial.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace privacyd {

struct PolicyChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  std::string clause;  // dotted key path, e.g. "recipients.google.countries"
  std::string before;  // "" when added
  std::string after;   // "" when removed
  bool material = false;
  std::string why;  // for material changes: which rule makes it material
};

const char* PolicyChangeKindName(PolicyChange::Kind kind);

// Changes from `before` to `after`, in a stable order (by clause).
std::vector<PolicyChange> DiffPolicies(const Policy& before, const Policy& after);

// "material: recipients.google.countries: added IN (new destination country)"
std::string FormatChange(const PolicyChange& change);

}  // namespace privacyd
