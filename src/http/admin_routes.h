// Staff API routes over the subject registry and the audit trail. Each handler parses and
// validates the request, calls one service, and maps the result to JSON.
#pragma once

#include "audit/audit_log.h"
#include "http/router.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"
#include "store/store.h"

namespace privacyd {

void AddSubjectRoutes(Router& router, SubjectRegistry& registry, const PolicyHolder& policy);
void AddAuditRoutes(Router& router, Store& store, const AuditLog& audit);

}  // namespace privacyd
