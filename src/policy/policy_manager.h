// Applying a new policy: validate it, record the version, then make it the one in force, all or
// nothing. Used by SIGHUP reloads and by POST /v1/admin/policy. Thread-safe (one apply at a
// time; readers go through the PolicyHolder and never wait).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "policy/policy_holder.h"
#include "policy/policy_loader.h"
#include "policy/policy_versions.h"

namespace privacyd {

struct PolicyApplyOutcome {
  PolicyLoad load;                       // the diagnostics, errors and warnings
  std::optional<AppliedPolicy> applied;  // set when the policy is now in force
  std::optional<Error> error;            // set when it is not: "policy_invalid" or the store's
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

 private:
  std::mutex mu_;  // one apply at a time, so versions are recorded in the order they take effect
  PolicyHolder& holder_;
  PolicyVersions& versions_;
  const Taxonomy& taxonomy_;
  const Jurisdictions& jurisdictions_;
};

}  // namespace privacyd
