// Cross-checks of a loaded policy: the promises in it must fit together and fit the law's
// rules before the daemon enforces them. Appends one diagnostic per problem.
//
// Errors: a collection field or a recipient's category that is not declared; a prohibited
// (sensitive) category that some point could collect; a purpose without a legal basis for a
// regime, or marketing email without consent where the regime requires opt-in; a transfer out of
// the EEA, UK or Switzerland with neither adequacy nor a safeguard; a referral point that feeds
// marketing; a reference to a purpose, topic or cookie category that does not exist; a rights
// deadline longer than the regime allows. Warnings: public collection points without any age
// signal.
#pragma once

#include <vector>

#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "policy/policy_loader.h"
#include "policy/taxonomy.h"

namespace privacyd {

void ValidatePolicy(const Policy& policy, const Taxonomy& taxonomy,
                    const Jurisdictions& jurisdictions, std::vector<PolicyDiagnostic>& out);

}  // namespace privacyd
