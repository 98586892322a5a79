// The Privacy Center under /privacy (docs/privacy-center.md): the pages compiled into privacyd
// (web/web_assets.h), per language at /privacy/{lang}/..., and the session endpoints under
// /privacy/session that let those pages act with an HttpOnly cookie instead of a token in
// script-readable storage (http/privacy_session.h).
//
// The session endpoints stand in front of the JSON API: each checks the session (and, for
// changes, the CSRF defences), then calls the /v1 route it stands for through the router with
// the session's token as the bearer, so that the rules of the API (rate limits, codes, what a
// token may see) are the ones that apply, once.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "http/router.h"
#include "policy/policy_versions.h"

namespace privacyd {

struct PrivacyCenterServices {
  // The complete router, to call the JSON routes the session endpoints stand in front of; it
  // must outlive the routes and is only read while serving.
  const Router& api;
  PolicyVersions& versions;
  const Clock& clock;
  Random& random;
  std::string public_url;  // its origin is the only one allowed to send unsafe requests
};

void AddPrivacyCenterRoutes(Router& router, const PrivacyCenterServices& services);

}  // namespace privacyd
