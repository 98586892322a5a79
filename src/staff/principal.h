// Who is calling: the authenticated staff member behind a request, and how one is found from a
// bearer token. Shells (HTTP, CLI) obtain a Principal and pass it to the services.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace privacyd {

struct Principal {
  std::string user_id;
  std::string user_name;
  std::string role;  // "admin", "privacy_officer", "support_agent", "marketing", "auditor"
};

// Resolves a bearer token to a principal. Errors: kUnauthenticated for an unknown, expired,
// revoked or malformed token or a disabled user. Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual Result<Principal> Authenticate(std::string_view bearer_token) = 0;
};

}  // namespace privacyd
