// Staff users and their API tokens.
//
// Passwords are stored as argon2id hashes; tokens as SHA-256 of their secret part (a token has
// 256 bits of entropy, so a slow hash adds nothing), compared in constant time. A token is
// "<id>.<secret>": the id finds the row, the secret proves possession. The token is shown once,
// when created. Every change is audited in the transaction that makes it.
//
// Tokens in memory. Given the data directory's staff change counter (core/change_counter.h),
// Authenticate keeps the live tokens it found (their hash, user and expiry) and answers from
// memory while the counter stands still, for at most kTokenMemory: one pread instead of a read
// transaction per request. Revoking a token and disabling a user, in any process, bump the
// counter once committed, so every later request reads the store again. Only a change that
// bypasses this class (SQL by hand) waits out kTokenMemory.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audit/audit_log.h"
#include "core/change_counter.h"
#include "core/clock.h"
#include "core/random.h"
#include "staff/principal.h"
#include "store/store.h"

namespace privacyd {

struct IssuedToken {
  TokenRecord record;
  std::string token;  // the full secret token; never stored
};

// Who performs a staff-management action ("cli:<os user>" or a staff user's name).
struct StaffActor {
  std::string name;
  std::string role;
  std::string request_id;
};

// True for a name AddUser accepts: 1-64 of [a-z0-9._-].
bool IsValidUserName(const std::string& name);
// kNotFound "user_not_found", naming the user.
Error UserNotFound(const std::string& name);
// kUnauthenticated "invalid_credentials": one message whatever was wrong.
Error InvalidCredentials();

class StaffDirectory final : public Authenticator {
 public:
  // `changes`: the data directory's staff change counter (not owned); null keeps nothing in
  // memory.
  StaffDirectory(Store& store, const AuditLog& audit, const Clock& clock, Random& random,
                 ChangeCounter* changes = nullptr)
      : store_(store), audit_(audit), clock_(clock), random_(random), changes_(changes) {}

  // How long a token found live is trusted without reading the store while the counter stands
  // still; a bound for changes made behind this class's back.
  static constexpr Micros kTokenMemory = 10 * kMicrosPerSecond;

  // Errors: kInvalidArgument "invalid_user_name" (names are 1-64 of [a-z0-9._-]),
  // "invalid_role" (lists the roles), "weak_password"; kAlreadyExists "user_exists".
  Result<UserRecord> AddUser(const StaffActor& actor, const std::string& name,
                             const std::string& role, const std::optional<std::string>& password);
  Result<std::vector<UserRecord>> ListUsers();
  // Disabling also makes every token of the user fail and ends the user's console sessions
  // (staff/staff_sessions.h), in the same transaction. Errors: kNotFound "user_not_found";
  // those of ChangeCounter::Bump when the change is committed but running daemons could not be
  // told (they notice within kTokenMemory).
  Status DisableUser(const StaffActor& actor, const std::string& name);

  // Errors: kNotFound "user_not_found"; kFailedPrecondition "user_disabled".
  Result<IssuedToken> CreateToken(const StaffActor& actor, const std::string& user_name,
                                  const std::string& label, std::optional<Micros> ttl);
  // All tokens, or those of one user ("" = all).
  Result<std::vector<TokenRecord>> ListTokens(const std::string& user_name);
  // Errors: kNotFound "token_not_found"; ChangeCounter::Bump's, as DisableUser.
  Status RevokeToken(const StaffActor& actor, const std::string& token_id);

  // Authenticator: kUnauthenticated "invalid_token" for anything but a live token of an enabled
  // user (the message does not say which check failed).
  Result<Principal> Authenticate(std::string_view bearer_token) override;
  // kUnauthenticated "invalid_credentials" likewise (unknown user, wrong password, disabled or
  // token-only user). An unknown or token-only user's attempt checks the password against a
  // dummy hash, so that it takes as long as a known user's.
  Result<Principal> AuthenticatePassword(const std::string& name, std::string_view password);

 private:
  struct KnownToken {
    std::string secret_hash;  // hex SHA-256 of the secret
    Principal principal;
    std::optional<Micros> expires_at;
    Micros found_at = 0;
  };
  // Tells other processes' memories, after a committed change of `status`.
  Status Announce(Status status);

  Store& store_;
  const AuditLog& audit_;
  const Clock& clock_;
  Random& random_;
  ChangeCounter* changes_;

  std::mutex known_mutex_;
  uint64_t known_at_count_ = 0;                        // guarded by known_mutex_
  std::unordered_map<std::string, KnownToken> known_;  // by token id; guarded
  static constexpr size_t kMaxKnownTokens = 10000;
};

}  // namespace privacyd
