// Policy routes: the enforcement decisions of the policy in force, for staff.
//
// POST /v1/policy/decide answers one question ("collect", "use", "disclose", "retention") from
// the decision tables of the current policy snapshot, with the clause that decided it.
#pragma once

#include "http/router.h"
#include "policy/policy_holder.h"

namespace privacyd {

void AddPolicyRoutes(Router& router, PolicyHolder& policy);

}  // namespace privacyd
