// The public statement pages: GET /statement (HTML) and GET /statement.md (Markdown), rendered
// per request from the policy in force, in the language asked for by `?lang=` or negotiated from
// Accept-Language (the policy's first language when nothing matches).
#pragma once

#include "http/router.h"
#include "policy/policy_holder.h"

namespace privacyd {

// `policy` must outlive the router.
void AddStatementRoutes(Router& router, const PolicyHolder& policy);

}  // namespace privacyd
