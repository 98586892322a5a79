// The disclosure log: a record of each time a subject's data was handed to a recipient of the
// policy (recipient, purpose, data categories, time, the request it answered, who did it), so
// that the access package can name the recipients actually disclosed to (GDPR Art. 15(1)(c))
// and an erasure knows whom to tell (Art. 19).
//
// A disclosure is recorded only when it may happen: the policy's sharing decision
// (DecisionTables::Disclose, the same answer as POST /v1/policy/decide) must allow it, and the
// subject's processing must not be restricted (rights/restriction.h, MayUse kSharing). It is
// written through the subject registry, which checks the role and writes the audit entry
// ("subject.disclose") in the same transaction.
//
// Records are append-only and name no personal data beyond the subject id; an erasure keeps
// them (they are evidence, not the data disclosed).
//
// Thread-safe: holds no mutable state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"

namespace privacyd {

struct NewDisclosure {
  std::string recipient;  // the policy's recipient id
  std::string purpose;    // the policy's purpose id
  std::vector<std::string> categories;
  std::string origin;                  // country ("DE") or subdivision the data originates in
  std::string request_id;              // the data subject request it answered, or ""
  std::optional<Micros> disclosed_at;  // default: now; never in the future
};

class DisclosureLog {
 public:
  // Not owned; must outlive the log.
  DisclosureLog(SubjectRegistry& registry, const PolicyHolder& policy, const Clock& clock,
                Random& random)
      : registry_(registry), policy_(policy), clock_(clock), random_(random) {}

  // Records the disclosure, with the safeguard the policy's decision named. Errors:
  // kPermissionDenied "forbidden" (DisclosureRoles()); kInvalidArgument "origin_required",
  // "no_categories", "invalid_disclosed_at", "invalid_request_id", and those of the decision's
  // names ("unknown_recipient", "unknown_purpose", "unknown_category", "unknown_country");
  // kFailedPrecondition "disclosure_not_allowed" (the policy says no: the message names the
  // reason and the clause), "subject_restricted" (processing restricted, GDPR Art. 18);
  // kNotFound "subject_not_found" (also erased).
  Result<DisclosureRecord> Record(const AccessContext& ctx, const std::string& subject_id,
                                  const NewDisclosure& disclosure) const;

  // The subject's disclosures, oldest first (SubjectRegistry::ListDisclosures).
  Result<std::vector<DisclosureRecord>> List(const AccessContext& ctx,
                                             const std::string& subject_id) const {
    return registry_.ListDisclosures(ctx, subject_id);
  }

 private:
  SubjectRegistry& registry_;
  const PolicyHolder& policy_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace privacyd
