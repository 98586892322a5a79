// The whole HTTP API in one place: every route privacyd serves is registered here, so that the
// server and the test that checks /openapi.json against the router see the same set.
#pragma once

#include <functional>

#include "audit/audit_log.h"
#include "consent/consent_ledger.h"
#include "core/clock.h"
#include "core/random.h"
#include "geo/ip_country.h"
#include "guard/guard.h"
#include "http/console_session_routes.h"
#include "http/metrics.h"
#include "http/router.h"
#include "policy/policy_holder.h"
#include "policy/policy_manager.h"
#include "policy/policy_versions.h"
#include "registry/subject_registry.h"
#include "rights/request_evidence.h"
#include "rights/request_service.h"
#include "sharing/disclosure_log.h"
#include "store/store.h"

namespace privacyd {

struct ApiServices {
  Metrics& metrics;
  std::function<Status()> readiness;
  Store& store;
  const AuditLog& audit;
  SubjectRegistry& registry;
  // Time and randomness for idempotency keys (expiry, sealing of stored responses).
  const Clock& clock;
  Random& random;
  // The policy in force, its history, and how a new one is applied.
  PolicyHolder& policy;
  PolicyVersions& policy_versions;
  PolicyManager& policy_manager;
  std::string public_url;  // base of links in pages and feeds, without a trailing '/'
  // The sensitive-data guard, compiled once at start and shared by all requests; must outlive
  // the router. Null: POST /v1/scan answers 503.
  const guard::Guard* guard = nullptr;
  // The consent ledger; null: no consent routes, and forms record no topics.
  const ConsentLedger* consent = nullptr;
  // The country of a request's IP, for the ledger; null: not recorded.
  const IpCountry* geo = nullptr;
  std::string unsubscribe_mailto;
  // Data subject requests; null: no request routes.
  RequestService* requests = nullptr;
  // The evidence of requests; null: no evidence route.
  const RequestEvidenceBuilder* request_evidence = nullptr;
  // The disclosure log; null: no disclosure routes.
  const DisclosureLog* disclosures = nullptr;
  // Staff console sessions (the same gate the server accepts cookies through); null: no
  // /console/session routes.
  ConsoleSessionGate* console = nullptr;
};

// Registers every route. Routes marked Route::idempotent are registered wrapped by
// MakeIdempotent, over one IdempotencyKeys service on `services.store`.
void AddApiRoutes(Router& router, const ApiServices& services);

}  // namespace privacyd
