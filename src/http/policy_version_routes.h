// The policy's history over HTTP: the list of statement versions with what changed, an Atom feed
// of them, and applying a new policy (staff).
#pragma once

#include <string>

#include "http/router.h"
#include "policy/policy_holder.h"
#include "policy/policy_manager.h"
#include "policy/policy_versions.h"

namespace privacyd {

void AddPolicyVersionRoutes(Router& router, PolicyVersions& versions, PolicyManager& manager,
                            PolicyHolder& holder, const std::string& public_url);

}  // namespace privacyd
