// POST /v1/scan: the sensitive-data guard for staff tools. Takes a text and answers what the
// guard found in it and where (byte offsets), never the matched text: the answer can be logged
// or shown without spreading what it found.
#pragma once

#include <cstddef>

#include "guard/guard.h"
#include "http/router.h"

namespace privacyd {

// The largest `text` accepted, in bytes of UTF-8; larger is 413 `text_too_large`.
inline constexpr size_t kMaxScanTextBytes = size_t{1} << 20;

// Registers POST /v1/scan (roles: ScanRoles()) over `guard`, which must outlive the router and
// is shared by all requests (Guard::Scan is thread-safe). A null guard still registers the route,
// which then answers 503 `scanner_unavailable`, so that the router always matches the OpenAPI
// document.
void AddScanRoutes(Router& router, const guard::Guard* guard);

}  // namespace privacyd
