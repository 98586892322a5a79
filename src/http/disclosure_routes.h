// The disclosure log over HTTP (sharing/disclosure_log.h): POST and GET
// /v1/admin/subjects/{id}/disclosures. Roles are declared on the routes (DisclosureRoles(),
// DisclosureReaderRoles()) and checked again by the service.
#pragma once

#include "http/router.h"
#include "sharing/disclosure_log.h"

namespace privacyd {

void AddDisclosureRoutes(Router& router, const DisclosureLog& log);

}  // namespace privacyd
