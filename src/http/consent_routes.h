// Consent over HTTP: the links in privacyd's mail (/u/ one-click unsubscribe per RFC 8058, /c/
// double opt-in), the Preference Center API (/v1/preferences, authorised by a signed link), the
// senders' consent check and audience (/v1/consent/...), a person's consent history for staff,
// the inbound unsubscribe mail webhook, and the Global Privacy Control well-known file.
#pragma once

#include <string>

#include "consent/consent_ledger.h"
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

void AddConsentRoutes(Router& router, const ConsentRouteServices& services);

}  // namespace privacyd
