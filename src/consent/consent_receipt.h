// A consent receipt: what a person agreed to (or refused, or withdrew), under which notice, how
// and when, in the information elements of ISO/IEC TS 27560:2023 (consent record information
// structure): record and principal identifiers, the controller, the jurisdiction, the notice,
// and per purpose the legal basis, data categories, retention, state, consent type and the
// events with their method, time and notice hash. The same document is given to the person
// (GET /v1/preferences/receipt) and to staff (GET /v1/admin/subjects/{id}/consent/receipt).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "consent/consent_rules.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "store/store.h"

namespace privacyd {

nlohmann::json BuildConsentReceipt(const Policy& policy, const Jurisdictions& jurisdictions,
                                   const SubjectRecord& subject, const ConsentFacts& facts,
                                   const std::string& public_url, Micros now);

}  // namespace privacyd
