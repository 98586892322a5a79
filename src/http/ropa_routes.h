// The record of processing activities over HTTP:
//   GET /v1/admin/ropa?format=json|csv|xlsx&lang=en|de|fr
// Roles admin, privacy_officer, auditor. Built from the policy in force at the time of the
// request (a SIGHUP reload is seen by the next request) with transfers judged at the clock's
// now. JSON is served inline; CSV and XLSX as an attachment named "ropa-<version>.<ext>".
// Errors: 400 `invalid_format`, 400 `unsupported_language`, 500 `xlsx_failed`.
#pragma once

#include "core/clock.h"
#include "http/router.h"
#include "policy/policy_holder.h"

namespace privacyd {

// `policy` and `clock` must outlive the router.
void AddRopaRoutes(Router& router, const PolicyHolder& policy, const Clock& clock);

}  // namespace privacyd
