// The outbox for staff: GET /v1/admin/outbox lists the mail jobs (queued, sending, sent, dead
// letters) with why they failed, never with an address or a message's content.
#pragma once

#include "http/router.h"
#include "store/store.h"

namespace privacyd {

void AddOutboxRoutes(Router& router, Store& store);

}  // namespace privacyd
