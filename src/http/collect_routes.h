// The collection points over HTTP: the doors of collect/collector.h.
//
//   POST    /v1/collect/{point}           web forms, forums, job applications (public)
//   OPTIONS /v1/collect/{point}           CORS preflight for the point's cors_origins
//   POST    /v1/admin/collect/{point}     phone calls and events, entered by staff
//   POST    /v1/webhooks/collect/{point}  email, promotion and survey responses, from a tool
//   POST    /v1/admin/imports             an enrichment vendor's CSV file (?vendor=NAME)
//   GET     /v1/admin/imports[/{id}]      what past imports did (collect/import_history.h)
//
// Bodies are JSON objects or plain HTML form posts (application/x-www-form-urlencoded). An
// accepted submission answers 201 with a receipt; a refused one 422 problem+json with every
// offending field under `errors`, and nothing of it is stored or logged. A plain form post to a
// point with a `redirect` is answered 303 See Other instead.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "collect/collector.h"
#include "collect/import_history.h"
#include "geo/ip_country.h"
#include "http/router.h"
#include "policy/policy_holder.h"

namespace privacyd {

// The largest submission body accepted, in bytes; larger is 413 `body_too_large`.
inline constexpr size_t kMaxSubmissionBytes = 64 * 1024;

// Registers the routes above; the routes share `collector`. `policy` and `random` must outlive
// the router. `public_url` is privacyd's own origin, whose pages may always post to the public
// door. `geo` (may be null) gives the country of a public request's IP for the consent ledger.
// Imports are recorded in `history`.
void AddCollectRoutes(Router& router, std::shared_ptr<Collector> collector,
                      const PolicyHolder& policy, const std::string& public_url, Random& random,
                      std::shared_ptr<const ImportHistory> history, const IpCountry* geo = nullptr);

}  // namespace privacyd
