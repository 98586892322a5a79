// Staff API routes over the subject registry, the audit trail and the suppression list. Each
// handler parses and validates the request, calls one service, and maps the result to JSON.
#pragma once

#include "audit/audit_log.h"
#include "http/router.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"
#include "store/store.h"

namespace privacyd {

void AddSubjectRoutes(Router& router, SubjectRegistry& registry, const PolicyHolder& policy);
void AddAuditRoutes(Router& router, Store& store, const AuditLog& audit);
void AddSuppressionRoutes(Router& router, Store& store, const SubjectRegistry& registry,
                          const AuditLog& audit);

}  // namespace privacyd
