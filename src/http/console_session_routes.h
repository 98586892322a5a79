// Signing in to the staff console (docs/console.md): /console/session starts, shows and ends a
// server-side staff session (staff/staff_sessions.h) held in the cookie
// `__Host-privacyd_console` (Secure, HttpOnly, SameSite=Strict, Path=/, Max-Age up to the
// session's absolute expiry), and ConsoleSessionGate lets the server accept that cookie on every
// staff route when no Authorization header is sent.
//
//   POST   /console/session  {"user","password"} or {"token"}: 200 the session, Set-Cookie.
//          400 invalid_request, 401 invalid_credentials, 403 cross_site_request, 429
//          rate_limited with Retry-After (per client address and per user name).
//   GET    /console/session  200 the session (its use recorded), or 401 session_required.
//   DELETE /console/session  (X-CSRF-Token) 204, the session ended and the cookie cleared.
//
// The session body: {"user": {"name","role"}, "csrf_token", "expires_at", "idle_timeout_seconds"}.
// Cookie-authenticated unsafe requests must come from the configured public URL's origin and
// carry the session's CSRF token in X-CSRF-Token (http/browser_origin.h).
//
// Metrics: privacyd_console_sign_ins_total{outcome} counts POST /console/session by outcome
// (success, invalid_credentials, rate_limited, cross_site_request, invalid_request, error).
#pragma once

#include <string>

#include "core/clock.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/session_authenticator.h"
#include "staff/staff_sessions.h"

namespace privacyd {

inline constexpr char kConsoleCookie[] = "__Host-privacyd_console";

// The console session cookie as the server's SessionAuthenticator. Thread-safe.
class ConsoleSessionGate final : public SessionAuthenticator {
 public:
  // `public_url` gives the one origin whose pages may send unsafe requests. `sessions` must
  // outlive the gate.
  ConsoleSessionGate(StaffSessions& sessions, const std::string& public_url);

  bool HasSession(const HttpRequest& request) const override;
  Result<Principal> Authenticate(const HttpRequest& request) override;

  StaffSessions& sessions() { return sessions_; }
  const std::string& allowed_origin() const { return origin_; }

 private:
  StaffSessions& sessions_;
  std::string origin_;
};

// Registers the /console/session routes and the sign-in counter. `gate` and `clock` must
// outlive the router.
void AddConsoleSessionRoutes(Router& router, ConsoleSessionGate& gate, const Clock& clock,
                             Metrics& metrics);

}  // namespace privacyd
