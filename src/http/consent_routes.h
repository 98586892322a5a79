// Consent over HTTP: the links in privacyd's mail (/u/ one-click unsubscribe per RFC 8058, /c/
// double opt-in), the Preference Center API (/v1/preferences, authorised by a signed link), the
// senders' consent check and audience (/v1/consent/...), a person's consent history for staff,
// the inbound unsubscribe mail webhook, and the Global Privacy Control well-known file.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consent/consent_ledger.h"
#include "core/string_pool.h"
#include "geo/ip_country.h"
#include "http/router.h"
#include "policy/policy_holder.h"

namespace privacyd {

struct ConsentRouteServices {
  const ConsentLedger& ledger;
  const PolicyHolder& policy;
  const IpCountry* geo = nullptr;  // the country of a request's IP; null: not recorded
  std::string unsubscribe_mailto;  // for the List-Unsubscribe values given to senders
};

// The country, user-agent family, language and request id of a request, for the ledger. The IP
// address is only looked up, never kept.
ConsentSource ConsentSourceOf(const HttpRequest& request, const IpCountry* geo,
                              const Policy& policy, std::string method);

// The body of the answer to POST /v1/consent/check (the answer to 100,000 identities is some
// 25 MB), in parts that joined in order are {"allowed": [{"identity", "list_unsubscribe",
// "list_unsubscribe_post", "subject_id", "unsubscribe_url"}...], "checked": N, "refused":
// [{"identity", "reason"}...], "topic": "..."}, keys in that order, as nlohmann::json::dump
// would write it; some parts may be empty. `items[i]` answers `identities[i]`. A big answer is
// written in parts on the cores (core/parallel.h), which are sent without being joined
// (HttpResponse::body_tail); the links are MailDelivery::HeadersFor's. The parts' strings come
// from `buffers` when given.
std::vector<std::string> ConsentCheckBody(const ConsentLedger& ledger, const std::string& mailto,
                                          const std::string& topic, const std::string& message_id,
                                          std::span<const std::string_view> identities,
                                          std::span<const ConsentCheckItem> items,
                                          StringPool* buffers = nullptr);

void AddConsentRoutes(Router& router, const ConsentRouteServices& services);

}  // namespace privacyd
