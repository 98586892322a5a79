#include "rights/restriction.h"

namespace privacyd {

const char* ProcessingUseName(ProcessingUse use) {
  switch (use) {
    case ProcessingUse::kStorage:
      return "storage";
    case ProcessingUse::kLegalClaims:
      return "legal_claims";
    case ProcessingUse::kOwnRequest:
      return "own_request";
    case ProcessingUse::kMarketing:
      return "marketing";
    case ProcessingUse::kSharing:
      return "sharing";
    case ProcessingUse::kEnrichment:
      return "enrichment";
    case ProcessingUse::kAnalytics:
      return "analytics";
    case ProcessingUse::kService:
      return "service";
  }
  return "unknown";
}

UseDecision MayUse(const SubjectRecord& subject, ProcessingUse use) {
  const bool kept_anyway = use == ProcessingUse::kStorage || use == ProcessingUse::kLegalClaims;
  if (subject.erased_at) return kept_anyway ? UseDecision{true, ""} : UseDecision{false, "erased"};
  if (subject.restricted_at && !kept_anyway && use != ProcessingUse::kOwnRequest) {
    return {false, "restricted"};
  }
  return {true, ""};
}

Result<UseDecision> MayUse(Tx& tx, const std::string& subject_id, ProcessingUse use) {
  PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
  if (!subject) return UseDecision{false, "unknown"};
  return MayUse(*subject, use);
}

}  // namespace privacyd
