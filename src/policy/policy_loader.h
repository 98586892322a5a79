// Loading a policy file: YAML to Policy, with every problem reported at once.
//
// Each diagnostic names the file, line, column and key path ("purposes.marketing.legal_basis"),
// says what is wrong and how to fix it; unknown keys and unknown taxonomy keys come with a
// "did you mean" suggestion. Loading does the structural checks (types, required keys, known
// names); ValidatePolicy (policy_validator.h) then does the cross-checks. LoadPolicy runs both.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "policy/taxonomy.h"

namespace privacyd {

struct PolicyDiagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;  // 1-based; 0 when the problem has no single place
  int column = 0;
  std::string key;  // dotted path of the offending key
  std::string message;

  // "examples/policy.yaml:12:5: error: purposes.marketing.legal_basis: ..."
  std::string Format() const;
};

struct PolicyLoad {
  std::shared_ptr<const Policy> policy;  // null when there is any error
  std::vector<PolicyDiagnostic> diagnostics;

  bool ok() const { return policy != nullptr; }
  size_t errors() const;
  size_t warnings() const;
};

// Loads and validates the policy in `path`.
PolicyLoad LoadPolicyFile(const std::string& path, const Taxonomy& taxonomy,
                          const Jurisdictions& jurisdictions);
// Loads `path`, or, when `path` is empty, the example policy compiled into privacyd.
PolicyLoad LoadPolicyFileOrExample(const std::string& path, const Taxonomy& taxonomy,
                                   const Jurisdictions& jurisdictions);
// The same for YAML text; `file_name` is used in diagnostics.
PolicyLoad LoadPolicyText(std::string_view yaml, const std::string& file_name,
                          const Taxonomy& taxonomy, const Jurisdictions& jurisdictions);

}  // namespace privacyd
