#include "policy/policy_manager.h"

#include <algorithm>

namespace privacyd {

PolicyApplyOutcome PolicyManager::ApplyText(std::string_view yaml, const std::string& name,
                                            const std::string& actor) {
  return ApplyLoaded(Validate(yaml, name), actor);
}

PolicyApplyOutcome PolicyManager::ApplyLoaded(PolicyLoad load, const std::string& actor) {
  PolicyApplyOutcome outcome;
  outcome.load = std::move(load);
  if (!outcome.load.ok()) {
    outcome.error = Error(ErrorKind::kInvalidArgument, "policy_invalid",
                          "the policy has " + std::to_string(outcome.load.errors()) +
                              " errors; nothing changed, the policy in force stays");
    return outcome;
  }
  std::lock_guard lock(mu_);
  auto applied = versions_.Apply(*outcome.load.policy, actor);
  if (!applied.ok()) {
    outcome.error = applied.error();
    return outcome;
  }
  holder_.Replace(outcome.load.policy,
                  DecisionTables::Compile(*outcome.load.policy, taxonomy_, jurisdictions_));
  outcome.applied = std::move(applied).value();
  return outcome;
}

PolicyCheck PolicyManager::Check(std::string_view yaml, const std::string& name) const {
  PolicyCheck check;
  check.load = Validate(yaml, name);
  if (!check.load.ok()) return check;
  check.changes = DiffPolicies(*holder_.Current(), *check.load.policy);
  check.material = std::any_of(check.changes.begin(), check.changes.end(),
                               [](const PolicyChange& c) { return c.material; });
  return check;
}

PolicyLoad PolicyManager::Validate(std::string_view yaml, const std::string& name) const {
  return LoadPolicyText(yaml, name, taxonomy_, jurisdictions_);
}

}  // namespace privacyd
