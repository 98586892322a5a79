#include "http/api.h"

#include <memory>

#include "http/admin_routes.h"
#include "http/collect_routes.h"
#include "http/consent_routes.h"
#include "http/console_routes.h"
#include "http/console_session_routes.h"
#include "http/disclosure_routes.h"
#include "http/idempotency.h"
#include "http/outbox_routes.h"
#include "http/policy_routes.h"
#include "http/policy_version_routes.h"
#include "http/privacy_center_routes.h"
#include "http/request_routes.h"
#include "http/ropa_routes.h"
#include "http/scan_routes.h"
#include "http/statement_routes.h"
#include "http/system_routes.h"

namespace privacyd {

void AddApiRoutes(Router& router, const ApiServices& services) {
  // Routes are declared plainly, then the cross-cutting wrappers they ask for are applied here
  // in one place, so the route files and the server need not know about them.
  Router declared;
  AddSystemRoutes(declared, services.metrics, services.readiness);
  AddSubjectRoutes(declared, services.registry, services.policy);
  AddAuditRoutes(declared, services.store, services.audit);
  AddSuppressionRoutes(declared, services.store, services.registry, services.audit);
  AddPolicyVersionRoutes(declared, services.policy_versions, services.policy_manager,
                         services.policy, services.public_url);
  AddPolicyRoutes(declared, services.policy);
  AddRopaRoutes(declared, services.policy, services.clock);
  AddStatementRoutes(declared, services.policy, services.policy_versions);
  AddScanRoutes(declared, services.guard);
  AddCollectRoutes(declared,
                   std::make_shared<Collector>(services.policy, services.registry, services.guard,
                                               services.clock, services.random, services.consent),
                   services.policy, services.public_url, services.random,
                   std::make_shared<const ImportHistory>(services.store, services.clock),
                   services.geo);
  AddOutboxRoutes(declared, services.store);
  if (services.requests != nullptr) {
    AddRequestRoutes(declared, *services.requests, services.clock, services.request_evidence);
  }
  if (services.disclosures != nullptr) AddDisclosureRoutes(declared, *services.disclosures);
  if (services.consent != nullptr) {
    AddConsentRoutes(
        declared, {*services.consent, services.policy, services.geo, services.unsubscribe_mailto});
  }

  if (services.console != nullptr) {
    AddConsoleSessionRoutes(declared, *services.console, services.clock, services.metrics);
  }

  // The Privacy Center's session endpoints call the JSON routes through the complete router.
  AddPrivacyCenterRoutes(declared, {router, services.policy_versions, services.clock,
                                    services.random, services.public_url});
  // The staff console's pages; its script calls the JSON routes with the staff session.
  AddConsoleRoutes(declared);

  auto keys = std::make_shared<IdempotencyKeys>(services.store, services.clock, services.random);
  for (Route route : declared.routes()) {
    if (route.idempotent) route.handler = MakeIdempotent(std::move(route.handler), keys);
    router.Add(std::move(route));
  }
}

}  // namespace privacyd
