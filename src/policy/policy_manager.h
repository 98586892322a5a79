// Applying a new policy: validate it, record the version, then make it the one in force, all or
// nothing. Used by SIGHUP reloads and by POST /v1/admin/policy. Thread-safe (one apply at a
// time; readers go through the PolicyHolder and never wait).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_diff.h"
#include "policy/policy_holder.h"
#include "policy/policy_loader.h"
#include "policy/policy_versions.h"

namespace privacyd {

struct PolicyApplyOutcome {
  PolicyLoad load;                       // the diagnostics, errors and warnings
  std::optional<AppliedPolicy> applied;  // set when the policy is now in force
  std::optional<Error> error;            // set when it is not: "policy_invalid" or the store's
};

// What applying a policy would do, without applying it.
struct PolicyCheck {
  PolicyLoad load;                    // the diagnostics, errors and warnings
  std::vector<PolicyChange> changes;  // against the policy in force (when the policy loaded)
  bool material = false;              // whether any change is material
};

class PolicyManager {
 public:
  PolicyManager(PolicyHolder& holder, PolicyVersions& versions, const Taxonomy& taxonomy,
                const Jurisdictions& jurisdictions)
      : holder_(holder), versions_(versions), taxonomy_(taxonomy), jurisdictions_(jurisdictions) {}

  // Validates `yaml` (named `name` in diagnostics) and, if it has no errors, records its version
  // and puts it in force. On any error the policy in force stays.
  PolicyApplyOutcome ApplyText(std::string_view yaml, const std::string& name,
                               const std::string& actor);
  // The same for an already loaded policy.
  PolicyApplyOutcome ApplyLoaded(PolicyLoad load, const std::string& actor);

  // Validates `yaml` and compares it with the policy in force; changes nothing. For reviewing a
  // policy before it is applied (POST /v1/admin/policy/validate).
  PolicyCheck Check(std::string_view yaml, const std::string& name) const;
  // The diagnostics of YAML text already known to load (the stored text of the version in
  // force): its warnings, for the validation report of GET /v1/admin/policy.
  PolicyLoad Validate(std::string_view yaml, const std::string& name) const;

 private:
  std::mutex mu_;  // one apply at a time, so versions are recorded in the order they take effect
  PolicyHolder& holder_;
  PolicyVersions& versions_;
  const Taxonomy& taxonomy_;
  const Jurisdictions& jurisdictions_;
};

}  // namespace privacyd
