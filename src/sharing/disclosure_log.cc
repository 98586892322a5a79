#include "sharing/disclosure_log.h"

#include <algorithm>

#include "rights/restriction.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

Error Invalid(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

}  // namespace

Result<DisclosureRecord> DisclosureLog::Record(const AccessContext& ctx,
                                               const std::string& subject_id,
                                               const NewDisclosure& in) const {
  const auto& roles = DisclosureRoles();
  if (std::find(roles.begin(), roles.end(), ctx.principal.role) == roles.end()) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not record disclosures");
  }
  if (in.origin.empty()) {
    return Invalid("origin_required",
                   "name the country the data originates in as 'origin', e.g. \"DE\"");
  }
  if (in.categories.empty()) {
    return Invalid("no_categories", "name the data categories disclosed, e.g. [\"user.name\"]");
  }
  if (in.request_id.size() > 64 ||
      in.request_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") !=
          std::string::npos) {
    return Invalid("invalid_request_id", "'request_id' must be a request id such as req_...");
  }
  const Micros now = clock_.Now();
  const Micros at = in.disclosed_at.value_or(now);
  if (at > now) {
    return Invalid("invalid_disclosed_at", "a disclosure cannot be recorded for the future");
  }
  // One snapshot: the decision and the policy it came from.
  std::shared_ptr<const EnforcedPolicy> snapshot = policy_.Snapshot();
  DiscloseQuestion question;
  question.recipient = in.recipient;
  question.purpose = in.purpose;
  question.categories = in.categories;
  question.origin = in.origin;
  PD_ASSIGN_OR_RETURN(Decision decision, snapshot->decisions->Disclose(question));
  if (!decision.allowed) {
    return Error(ErrorKind::kFailedPrecondition, "disclosure_not_allowed",
                 "the policy does not allow this disclosure: " +
                     std::string(ReasonDescription(decision.clause.reason)) + " (" +
                     ReasonName(decision.clause.reason) + ", " + std::string(decision.clause.key) +
                     ")");
  }
  DisclosureRecord record;
  record.id = NewId(random_, "dsc");
  record.recipient = in.recipient;
  record.purpose = in.purpose;
  record.categories = in.categories;
  record.origin = in.origin;
  record.safeguard = ReasonName(decision.clause.reason);
  record.request_id = in.request_id;
  record.disclosed_at = at;
  return registry_.RecordDisclosure(
      ctx, subject_id, std::move(record), [](const SubjectRecord& subject) -> Status {
        UseDecision use = MayUse(subject, ProcessingUse::kSharing);
        if (use.allowed) return Ok();
        return Error(ErrorKind::kFailedPrecondition, "subject_restricted",
                     "this person's processing is restricted (GDPR Art. 18): their data may "
                     "not be disclosed until the restriction is lifted");
      });
}

}  // namespace privacyd
