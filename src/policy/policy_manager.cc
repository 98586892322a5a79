#include "policy/policy_manager.h"

namespace privacyd {

PolicyApplyOutcome PolicyManager::ApplyText(std::string_view yaml, const std::string& name,
                                            const std::string& actor) {
  return ApplyLoaded(LoadPolicyText(yaml, name, taxonomy_, jurisdictions_), actor);
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

}  // namespace privacyd
