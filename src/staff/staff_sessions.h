// Staff console sessions: signing in with a password or an API token starts a session kept in
// the store, so that signing out, disabling the user or an operator really ends it.
//
// The browser holds "<id>.<secret>" (a 256-bit secret, like an API token); only the SHA-256 of
// the secret is stored and it is compared in constant time. The session's CSRF token is an
// HMAC of a fixed label under the secret: whoever holds the cookie's value can derive it, the
// store alone cannot.
//
// A session lives at most kLifetime from its start and ends after kIdleTimeout without use. Its
// last use is written at most once per kTouchInterval (not on every request), so the idle
// window is measured from the last recorded use: between kIdleTimeout - kTouchInterval and
// kIdleTimeout after the last request.
//
// Audit (each in the transaction of its change, purpose "staff_authentication"):
//   staff.session.start    actor the user, detail {"method": "password"|"token"}
//   staff.session.end      detail {"reason": "signed_out"|"disabled"|"expired"}
//   staff.session.refused  a failed sign-in: actor "anonymous", object "user_name:<name>" only
//                          when the name typed has the shape of a user name, detail {"method"};
//                          never the password or token, never whether the user exists.
//
// Thread-safe (the store serializes the writes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "core/random.h"
#include "staff/principal.h"
#include "staff/staff_directory.h"
#include "store/store.h"

namespace privacyd {

// A live session as its holder sees it.
struct StaffSessionView {
  Principal principal;
  StaffSessionRecord record;
  std::string csrf_token;  // 64 hex digits
};

struct StartedStaffSession {
  StaffSessionView session;
  std::string cookie_value;  // "<id>.<secret>"; never stored
};

class StaffSessions {
 public:
  static constexpr Micros kLifetime = 12 * 3600 * kMicrosPerSecond;
  static constexpr Micros kIdleTimeout = 30 * 60 * kMicrosPerSecond;
  static constexpr Micros kTouchInterval = 60 * kMicrosPerSecond;

  // All references must outlive this object.
  StaffSessions(Store& store, StaffDirectory& directory, const AuditLog& audit, const Clock& clock,
                Random& random)
      : store_(store), directory_(directory), audit_(audit), clock_(clock), random_(random) {}

  // Signs in. Error: kUnauthenticated "invalid_credentials", with one message whatever failed
  // (unknown user, wrong password, disabled user, token-only user, bad token); a failed attempt
  // for an unknown user takes as long as one for a known user (a dummy hash is checked).
  // Starting a session also ends (as "expired") and deletes the sessions that are past their
  // lifetime or idle timeout, and deletes ended ones.
  Result<StartedStaffSession> StartWithPassword(const std::string& user_name,
                                                std::string_view password,
                                                const std::string& request_id);
  Result<StartedStaffSession> StartWithToken(std::string_view token, const std::string& request_id);

  // The live session `cookie_value` names, its use recorded (see above). Error:
  // kUnauthenticated "session_required" for a malformed, unknown, tampered, ended, expired or
  // idle session, or one whose user is disabled (one message for all).
  Result<StaffSessionView> Resume(std::string_view cookie_value);

  // Ends a session its holder signs out of. Error: kUnauthenticated "session_required" when it
  // has ended meanwhile.
  Status SignOut(const StaffSessionView& session, const std::string& request_id);

  // Sessions not ended and not past their absolute expiry, of one user ("" = all), in start
  // order. Error: kNotFound "user_not_found".
  Result<std::vector<StaffSessionRecord>> ListLive(const std::string& user_name);
  // Ends one session for an operator. Error: kNotFound "session_not_found".
  Status End(const StaffActor& actor, const std::string& session_id);
  // Ends every session of a user for an operator; returns how many. Error: kNotFound
  // "user_not_found".
  Result<int> EndAllOf(const StaffActor& actor, const std::string& user_name);

  // The CSRF token derived from a session's secret.
  static std::string CsrfToken(std::string_view secret);

 private:
  Result<StartedStaffSession> Start(const Principal& principal, const std::string& method,
                                    const std::string& request_id);
  Status Refused(const std::string& object, const std::string& method,
                 const std::string& request_id);

  Store& store_;
  StaffDirectory& directory_;
  const AuditLog& audit_;
  const Clock& clock_;
  Random& random_;
};

// Ends, inside `tx`, every session of `user_id` not ended yet, with one staff.session.end entry
// each attributed to `actor` (used when a user is disabled).
Status EndStaffSessionsOfUser(Tx& tx, const AuditLog& audit, const StaffActor& actor,
                              const std::string& user_id, Micros now, const std::string& reason);

}  // namespace privacyd
