// Rectification (GDPR Art. 16) of a value privacyd holds: staff correct any value, the person
// (through a verified request) the values they gave themselves (SubjectRegistry::Rectify has the
// rules and the audit). A corrected value passes the checks its collection point applied when
// the value arrived, so that correcting is no way around them: free text is scanned by the
// sensitive-data guard and refused when it holds what the statement asks people not to send.
// Values that are also how the person is recognised (an email or phone field that is an
// identity) are not corrected here: that changes their blind index, which this does not do yet.
#pragma once

#include <string>

#include "core/result.h"
#include "guard/guard.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"

namespace privacyd {

class Rectification {
 public:
  // Not owned; must outlive the Rectification. `guard` may be null: free text is then refused
  // (kUnavailable "scanner_unavailable"), as at the collection points.
  Rectification(SubjectRegistry& registry, const PolicyHolder& policy, const guard::Guard* guard)
      : registry_(registry), policy_(policy), guard_(guard) {}

  // Replaces the value of attribute `attribute_id` of the subject. Thread-safe.
  // Errors: those of SubjectRegistry::Rectify; kInvalidArgument "sensitive_data" (naming the
  // kind of data found, never the value); kFailedPrecondition "identity_not_rectifiable";
  // kUnavailable "scanner_unavailable".
  Result<Rectified> Correct(const AccessContext& ctx, Rectifier by, const std::string& subject_id,
                            int64_t attribute_id, const std::string& value) const;

 private:
  SubjectRegistry& registry_;
  const PolicyHolder& policy_;
  const guard::Guard* guard_;
};

}  // namespace privacyd
