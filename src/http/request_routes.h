// Data subject requests over HTTP (rights/request_service.h): the person's side under
// /v1/requests (intake, code, verification, status and withdrawal with the request token) and
// the staff queue under /v1/admin/requests. Each handler parses, calls one service method and
// maps the result; roles are declared on the routes and checked again by the service.
//
// Public routes are limited per client address (RateLimiter) on top of the per-address limits
// of the one-time codes, so that one client can walk neither through addresses nor through
// codes.
#pragma once

#include "http/router.h"
#include "rights/request_evidence.h"
#include "rights/request_service.h"

namespace privacyd {

// `evidence` null: no GET /v1/admin/requests/{id}/evidence.
void AddRequestRoutes(Router& router, RequestService& service, const Clock& clock,
                      const RequestEvidenceBuilder* evidence = nullptr);

}  // namespace privacyd
