// The operational endpoints every privacyd process serves, all public:
//   GET /healthz       200 {"status":"ok"} while the process runs (non-blocking);
//   GET /readyz        200 {"status":"ready"} when `readiness` returns ok, else 503 problem
//                      `not_ready` with its message (blocking: readiness may touch the store);
//   GET /metrics       Prometheus text format 0.0.4 from `metrics`;
//   GET /openapi.json  the embedded OpenAPI description (kOpenApiJson).
#pragma once

#include <functional>

#include "core/result.h"
#include "http/metrics.h"
#include "http/router.h"

namespace privacyd {

// `metrics` must outlive the router; `readiness` must be thread-safe.
void AddSystemRoutes(Router& router, Metrics& metrics, std::function<Status()> readiness);

}  // namespace privacyd
