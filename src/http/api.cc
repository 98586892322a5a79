#include "http/api.h"

#include "http/admin_routes.h"
#include "http/system_routes.h"

namespace privacyd {

void AddApiRoutes(Router& router, const ApiServices& services) {
  AddSystemRoutes(router, services.metrics, services.readiness);
  AddSubjectRoutes(router, services.registry);
  AddAuditRoutes(router, services.store, services.audit);
}

}  // namespace privacyd
