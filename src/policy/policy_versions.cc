#include "policy/policy_versions.h"

#include <nlohmann/json.hpp>

#include "policy/policy_loader.h"

namespace privacyd {

std::string ChangesToJson(const std::vector<PolicyChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) {
    out.push_back({{"clause", c.clause},
                   {"kind", PolicyChangeKindName(c.kind)},
                   {"before", c.before},
                   {"after", c.after},
                   {"material", c.material},
                   {"why", c.why}});
  }
  return out.dump();
}

std::vector<PolicyChange> ChangesFromJson(const std::string& text) {
  std::vector<PolicyChange> out;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return out;
  for (const auto& c : parsed) {
    if (!c.is_object()) continue;
    PolicyChange change;
    std::string kind = c.value("kind", "changed");
    change.kind = kind == "added"     ? PolicyChange::Kind::kAdded
                  : kind == "removed" ? PolicyChange::Kind::kRemoved
                                      : PolicyChange::Kind::kChanged;
    change.clause = c.value("clause", "");
    change.before = c.value("before", "");
    change.after = c.value("after", "");
    change.material = c.value("material", false);
    change.why = c.value("why", "");
    out.push_back(std::move(change));
  }
  return out;
}

Result<AppliedPolicy> PolicyVersions::Apply(const Policy& policy, const std::string& actor) {
  AppliedPolicy applied;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto existing, tx.GetPolicyVersion(policy.version));
    if (existing) {
      if (existing->source != policy.source) {
        return Error(ErrorKind::kFailedPrecondition, "policy_version_unchanged",
                     "the policy's text differs from the stored statement version " +
                         policy.version +
                         ", but its version did not change; give the changed statement a new "
                         "statement.version");
      }
      applied.record = *existing;
      return Ok();
    }
    PD_ASSIGN_OR_RETURN(auto versions, tx.ListPolicyVersions());
    bool material = false;
    if (!versions.empty()) {
      PolicyLoad previous =
          LoadPolicyText(versions.front().source, "version " + versions.front().version, taxonomy_,
                         jurisdictions_);
      if (previous.ok()) {
        applied.changes = DiffPolicies(*previous.policy, policy);
        for (const auto& c : applied.changes) material = material || c.material;
      } else {
        // The previous text no longer validates (the taxonomy or the law data moved on): it
        // cannot be compared, so the change is treated as material.
        material = true;
      }
    }
    PolicyVersionRecord& r = applied.record;
    r.version = policy.version;
    r.effective_date = policy.effective_date;
    r.applied_at = clock_.Now();
    r.source = policy.source;
    r.material = material;
    r.changes = ChangesToJson(applied.changes);
    PD_RETURN_IF_ERROR(tx.InsertPolicyVersion(r));
    applied.newly_stored = true;
    if (material) {
      nlohmann::json topics = nlohmann::json::array();
      for (const auto& [id, topic] : policy.topics) {
        if (topic.kind == TopicKind::kService) topics.push_back(id);
      }
      nlohmann::json payload = {{"version", policy.version}, {"topics", topics}};
      PD_ASSIGN_OR_RETURN(applied.notice_job,
                          jobs_.Enqueue(tx, kChangeNoticeJob, payload.dump(),
                                        std::string("statement-notice:") + policy.version));
    }
    nlohmann::json detail = {
        {"version", policy.version}, {"material", material}, {"changes", applied.changes.size()}};
    PD_RETURN_IF_ERROR(audit_.Append(
        tx, {actor, "", "policy.apply", "policy:" + policy.version, "policy", "", detail.dump()}));
    return Ok();
  }));
  return applied;
}

Result<std::vector<PolicyVersionRecord>> PolicyVersions::List() {
  return ReadValue<std::vector<PolicyVersionRecord>>(
      store_, [](Tx& tx) { return tx.ListPolicyVersions(); });
}

Result<std::optional<PolicyVersionRecord>> PolicyVersions::Get(const std::string& version) {
  return ReadValue<std::optional<PolicyVersionRecord>>(
      store_, [&](Tx& tx) { return tx.GetPolicyVersion(version); });
}

}  // namespace privacyd
