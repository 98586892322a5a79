// The history of the policy in force: every version that was ever applied, with its text and what
// changed against the version before, so that each published statement can be shown again and
// people are told of material changes.
//
// Applying a policy whose version is new stores it with its diff against the latest stored
// version, audits it, and, when a change is material, enqueues one durable job (kind
// "statement.change_notice", one per version) to notify the subscribers of the policy's service
// topics (the "Trust Center Update" feed); the mail module sends it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "jobs/job_queue.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "policy/policy_diff.h"
#include "policy/taxonomy.h"
#include "store/store.h"

namespace privacyd {

inline constexpr char kChangeNoticeJob[] = "statement.change_notice";

struct AppliedPolicy {
  PolicyVersionRecord record;
  bool newly_stored = false;          // false: this version was applied before
  std::vector<PolicyChange> changes;  // against the version before (new versions only)
  std::optional<int64_t> notice_job;  // the change-notice job, for a material change
};

class PolicyVersions {
 public:
  PolicyVersions(Store& store, JobQueue& jobs, const AuditLog& audit, const Clock& clock,
                 const Taxonomy& taxonomy, const Jurisdictions& jurisdictions)
      : store_(store),
        jobs_(jobs),
        audit_(audit),
        clock_(clock),
        taxonomy_(taxonomy),
        jurisdictions_(jurisdictions) {}

  // Records `policy` as applied by `actor`. Errors: kFailedPrecondition
  // "policy_version_unchanged" when this version is stored with a different text (a changed
  // statement needs a new statement.version).
  Result<AppliedPolicy> Apply(const Policy& policy, const std::string& actor);

  // Every stored version, most recently applied first.
  Result<std::vector<PolicyVersionRecord>> List();
  Result<std::optional<PolicyVersionRecord>> Get(const std::string& version);

 private:
  Store& store_;
  JobQueue& jobs_;
  const AuditLog& audit_;
  const Clock& clock_;
  const Taxonomy& taxonomy_;
  const Jurisdictions& jurisdictions_;
};

// The changes of a stored version, as JSON text, and back (malformed text gives no changes).
std::string ChangesToJson(const std::vector<PolicyChange>& changes);
std::vector<PolicyChange> ChangesFromJson(const std::string& json);

}  // namespace privacyd
