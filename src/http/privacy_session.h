// The Privacy Center's browser session: what a person proved (a verified request's token, a
// Preference Center token) kept in one cookie that scripts cannot read, and the checks that keep
// other sites from using it.
//
// The cookie `__Host-privacyd_session` (Secure, HttpOnly, SameSite=Strict, Path=/) holds the
// session sealed with a key only this process knows (XSalsa20-Poly1305): nothing is stored
// server-side, and a cookie that was altered, forged or is past its expiry opens to nothing.
// The key is made at start, so a restart ends every session (people enter a code again).
//
// Cross-site request forgery: every unsafe request to a cookie-authorised endpoint must
//   - not come from another site: `Sec-Fetch-Site: cross-site`, or an `Origin` other than the
//     configured public URL's origin, is refused (403 `cross_site_request`);
//   - carry the session's CSRF token in `X-CSRF-Token` (an HMAC of the session id under a second
//     key, compared in constant time), else 403 `csrf_token_invalid`.
// Thread-safe after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "crypto/secret.h"
#include "http/browser_origin.h"
#include "http/http_types.h"

namespace privacyd {

inline constexpr char kSessionCookie[] = "__Host-privacyd_session";

struct PrivacySession {
  std::string id;                 // random, names the session for its CSRF token
  std::string request_id;         // a verified request, or ""
  std::string request_token;      // its token ("rqt_..."), or ""
  std::string preferences_token;  // a Preference Center token, or ""
  Micros expires_at = 0;
};

class PrivacySessions {
 public:
  // How long a session lasts after it was last written.
  static constexpr Micros kLifetime = 3600 * kMicrosPerSecond;

  // `public_url` gives the one origin whose pages may send unsafe requests.
  PrivacySessions(const Clock& clock, Random& random, const std::string& public_url);

  // The session the request's cookie holds, or nullopt (no cookie, tampered, expired).
  std::optional<PrivacySession> Read(const HttpRequest& request) const;

  // A session with a fresh id, expiring kLifetime from now.
  PrivacySession Start() const;

  // The Set-Cookie value that stores `session` (its expiry renewed to kLifetime from now).
  std::string SetCookie(PrivacySession session) const;
  // The Set-Cookie value that deletes the cookie.
  static std::string ClearCookie();

  // The CSRF token of a session id: 64 hex digits.
  std::string CsrfToken(std::string_view session_id) const;

  // Ok when an unsafe request may proceed: not cross-site (see above) and, when `session` is
  // given, carrying its CSRF token. Errors: kPermissionDenied `cross_site_request`,
  // `csrf_token_invalid`.
  Status CheckUnsafe(const HttpRequest& request, const PrivacySession* session) const;

  const std::string& allowed_origin() const { return origin_; }

 private:
  const Clock& clock_;
  Random& random_;
  std::string origin_;
  SecretBytes seal_key_;
  SecretBytes csrf_key_;
};

}  // namespace privacyd
