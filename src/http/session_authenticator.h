// How the HTTP server accepts a browser session cookie on staff routes, beside bearer tokens,
// without knowing where sessions are kept (http/console_session_routes.h implements it).
#pragma once

#include "core/result.h"
#include "http/http_types.h"
#include "staff/principal.h"

namespace privacyd {

class SessionAuthenticator {
 public:
  virtual ~SessionAuthenticator() = default;

  // True when the request carries this authenticator's session cookie.
  virtual bool HasSession(const HttpRequest& request) const = 0;

  // The staff user behind the request's session. For an unsafe method (POST, PUT, PATCH,
  // DELETE) also the cross-site and CSRF checks. Errors: kUnauthenticated "unauthenticated" when
  // the session is not live; kPermissionDenied "cross_site_request", "csrf_token_invalid";
  // anything else the store returns. Thread-safe.
  virtual Result<Principal> Authenticate(const HttpRequest& request) = 0;
};

}  // namespace privacyd
