// The public statement pages: GET /statement (HTML) and GET /statement.md (Markdown), rendered
// per request from the policy in force, in the language asked for by `?lang=` or negotiated from
// Accept-Language (the policy's first language when nothing matches).
#pragma once

#include "http/router.h"
#include "policy/policy_holder.h"
#include "policy/policy_versions.h"

namespace privacyd {

// `?version=V` renders an earlier version from the stored history. A version that changed
// anything materially carries the notice of those changes in its "changes" section.
// `policy` and `versions` must outlive the router.
void AddStatementRoutes(Router& router, const PolicyHolder& policy, PolicyVersions& versions);

}  // namespace privacyd
