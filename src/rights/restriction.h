// Restriction of processing (GDPR Art. 18): while a person's processing is restricted, their
// data is only stored; it is used for nothing else except the establishment, exercise or defence
// of legal claims and the person's own requests. The flag is set and lifted through
// SubjectRegistry::SetRestricted; this predicate is what the disclosure and sharing side asks
// before using someone's data. The consent check answers "restricted" by the same flag
// (consent_rules.h).
#pragma once

#include <string>

#include "core/result.h"
#include "store/store.h"

namespace privacyd {

// What someone's data would be used for.
enum class ProcessingUse {
  kStorage,      // keeping it as it is
  kLegalClaims,  // establishing, exercising or defending legal claims
  kOwnRequest,   // answering the person's own request (access, erasure, lifting the restriction)
  kMarketing,
  kSharing,  // disclosure to a recipient
  kEnrichment,
  kAnalytics,
  kService,  // delivering what the person asked for (support, trials, quotes)
};
// "storage", "legal_claims", "own_request", "marketing", "sharing", "enrichment", "analytics",
// "service".
const char* ProcessingUseName(ProcessingUse use);

struct UseDecision {
  bool allowed = false;
  // Why not: "restricted", "erased", "unknown"; "" when allowed.
  std::string reason;
};

// Whether the data of `subject` may be used for `use`: an erased subject's remaining (exempt)
// data only for storage and legal claims; a restricted one's only for storage, legal claims and
// the person's own requests; anyone else's for everything (whether the use is otherwise lawful,
// consent for instance, is decided elsewhere).
UseDecision MayUse(const SubjectRecord& subject, ProcessingUse use);

// The same for the subject with id `subject_id`, read in `tx`; a subject that does not exist
// answers "unknown". Errors: the store's.
Result<UseDecision> MayUse(Tx& tx, const std::string& subject_id, ProcessingUse use);

}  // namespace privacyd
