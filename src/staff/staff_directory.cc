#include "staff/staff_directory.h"

#include <nlohmann/json.hpp>

#include "crypto/password.h"
#include "crypto/secret.h"
#include "staff/roles.h"
#include "staff/staff_sessions.h"

namespace privacyd {
namespace {

// The argon2id hash of a password nobody knows, made once: checked when there is no real hash
// to check, so that a refusal takes the same time whether or not the user exists.
const std::string& DummyPasswordHash() {
  static const std::string kHash = [] {
    auto hash = HashPassword("privacyd dummy password, never a user's");
    return hash.ok() ? *hash : std::string();
  }();
  return kHash;
}

Error InvalidToken() {
  return Error(ErrorKind::kUnauthenticated, "invalid_token",
               "the bearer token is not valid: it is unknown, expired or revoked, or its user is "
               "disabled; ask an administrator for a new token");
}

AuditEvent StaffEvent(const StaffActor& actor, std::string action, std::string object,
                      std::string detail = "") {
  return AuditEvent{actor.name,
                    actor.role,
                    std::move(action),
                    std::move(object),
                    "staff_administration",
                    actor.request_id,
                    std::move(detail)};
}

}  // namespace

bool IsValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Error UserNotFound(const std::string& name) {
  return Error(ErrorKind::kNotFound, "user_not_found",
               "no staff user is called '" + name + "'; `privacyd user list` shows them");
}

Error InvalidCredentials() {
  return Error(ErrorKind::kUnauthenticated, "invalid_credentials",
               "the user name or password is wrong, or the user is disabled");
}

Result<UserRecord> StaffDirectory::AddUser(const StaffActor& actor, const std::string& name,
                                           const std::string& role,
                                           const std::optional<std::string>& password) {
  if (!IsValidUserName(name)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_user_name",
                 "user names are 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
  }
  if (!IsRole(role)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_role",
                 "unknown role '" + role +
                     "'; use one of admin, privacy_officer, support_agent, marketing, auditor");
  }
  UserRecord user;
  user.id = NewId(random_, "usr");
  user.name = name;
  user.role = role;
  user.created_at = clock_.Now();
  if (password) {
    PD_ASSIGN_OR_RETURN(user.password_hash, HashPassword(*password));
  }
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertUser(user));
    nlohmann::json detail = {{"name", name}, {"role", role}};
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, StaffEvent(actor, "user.create", "user:" + user.id, detail.dump())));
    return Ok();
  }));
  return user;
}

Result<std::vector<UserRecord>> StaffDirectory::ListUsers() {
  return ReadValue<std::vector<UserRecord>>(store_, [](Tx& tx) { return tx.ListUsers(); });
}

Status StaffDirectory::Announce(Status status) {
  if (!status.ok() || changes_ == nullptr) return status;
  Status told = changes_->Bump();
  if (told.ok()) return told;
  return Error(ErrorKind::kUnavailable, told.error().code(),
               "the change is saved, but a running daemon could not be told (" +
                   told.error().message() + "); it takes effect there within " +
                   std::to_string(kTokenMemory / kMicrosPerSecond) + " seconds");
}

Status StaffDirectory::DisableUser(const StaffActor& actor, const std::string& name) {
  return Announce(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto user, tx.GetUserByName(name));
    if (!user) return UserNotFound(name);
    PD_RETURN_IF_ERROR(tx.SetUserDisabled(user->id, true));
    PD_RETURN_IF_ERROR(audit_.Append(tx, StaffEvent(actor, "user.disable", "user:" + user->id)));
    return EndStaffSessionsOfUser(tx, audit_, actor, user->id, clock_.Now(), "disabled");
  }));
}

Result<IssuedToken> StaffDirectory::CreateToken(const StaffActor& actor,
                                                const std::string& user_name,
                                                const std::string& label,
                                                std::optional<Micros> ttl) {
  IssuedToken issued;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto user, tx.GetUserByName(user_name));
    if (!user) return UserNotFound(user_name);
    if (user->disabled) {
      return Error(ErrorKind::kFailedPrecondition, "user_disabled",
                   "user '" + user_name + "' is disabled; tokens cannot be created for it");
    }
    std::string secret = RandomHex(random_, 32);
    TokenRecord& t = issued.record;
    t.id = NewId(random_, "tok");
    t.user_id = user->id;
    t.secret_hash = ToHex(Sha256(secret));
    t.label = label;
    t.created_at = clock_.Now();
    if (ttl) t.expires_at = t.created_at + *ttl;
    issued.token = t.id + "." + secret;
    PD_RETURN_IF_ERROR(tx.InsertToken(t));
    nlohmann::json detail = {{"user", user_name}, {"label", label}};
    if (t.expires_at) detail["expires_at"] = FormatRfc3339(*t.expires_at);
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, StaffEvent(actor, "token.create", "token:" + t.id, detail.dump())));
    return Ok();
  }));
  return issued;
}

Result<std::vector<TokenRecord>> StaffDirectory::ListTokens(const std::string& user_name) {
  return ReadValue<std::vector<TokenRecord>>(
      store_, [&](Tx& tx) -> Result<std::vector<TokenRecord>> {
        if (user_name.empty()) return tx.ListTokens("");
        PD_ASSIGN_OR_RETURN(auto user, tx.GetUserByName(user_name));
        if (!user) return UserNotFound(user_name);
        return tx.ListTokens(user->id);
      });
}

Status StaffDirectory::RevokeToken(const StaffActor& actor, const std::string& token_id) {
  return Announce(store_.Write([&](Tx& tx) -> Status {
    Status s = tx.RevokeToken(token_id, clock_.Now());
    if (!s.ok()) {
      if (s.error().kind() == ErrorKind::kNotFound) {
        return Error(ErrorKind::kNotFound, "token_not_found",
                     "no token has the id '" + token_id + "'; `privacyd token list` shows them");
      }
      return s;
    }
    PD_RETURN_IF_ERROR(audit_.Append(tx, StaffEvent(actor, "token.revoke", "token:" + token_id)));
    return Ok();
  }));
}

Result<Principal> StaffDirectory::Authenticate(std::string_view bearer_token) {
  auto dot = bearer_token.find('.');
  if (dot == std::string_view::npos || dot == 0 || bearer_token.size() > 256) {
    return InvalidToken();
  }
  std::string id(bearer_token.substr(0, dot));
  std::string secret_hash = ToHex(Sha256(bearer_token.substr(dot + 1)));
  Micros now = clock_.Now();

  // The counter is read before the store, so that a token found live is kept only if no change
  // was announced since: a change announced later moves the counter past what it is kept under.
  std::optional<uint64_t> count;
  if (changes_ != nullptr) {
    Result<uint64_t> read = changes_->Read();
    if (read.ok()) count = *read;  // unreadable: the store answers, nothing is kept
  }
  if (count) {
    std::lock_guard lock(known_mutex_);
    if (*count != known_at_count_) {
      known_.clear();
      known_at_count_ = *count;
    }
    auto it = known_.find(id);
    if (it != known_.end() && now - it->second.found_at < kTokenMemory) {
      const KnownToken& known = it->second;
      if (!ConstantTimeEquals(known.secret_hash, secret_hash) ||
          (known.expires_at && *known.expires_at <= now)) {
        return InvalidToken();
      }
      return known.principal;
    }
  }

  std::optional<KnownToken> found;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto token, tx.GetToken(id));
    // Compare even when the token is unknown, so timing says nothing about which ids exist.
    bool secret_ok =
        ConstantTimeEquals(token ? token->secret_hash : std::string(64, '0'), secret_hash);
    if (!token || !secret_ok || token->revoked_at ||
        (token->expires_at && *token->expires_at <= now)) {
      return InvalidToken();
    }
    PD_ASSIGN_OR_RETURN(auto user, tx.GetUserById(token->user_id));
    if (!user || user->disabled) return InvalidToken();
    found = KnownToken{std::move(token->secret_hash), Principal{user->id, user->name, user->role},
                       token->expires_at, now};
    return Ok();
  }));
  if (count) {
    std::lock_guard lock(known_mutex_);
    if (*count == known_at_count_) {
      if (known_.size() >= kMaxKnownTokens) known_.clear();
      known_.insert_or_assign(id, *found);
    }
  }
  return found->principal;
}

Result<Principal> StaffDirectory::AuthenticatePassword(const std::string& name,
                                                       std::string_view password) {
  PD_ASSIGN_OR_RETURN(auto user, ReadValue<std::optional<UserRecord>>(
                                     store_, [&](Tx& tx) { return tx.GetUserByName(name); }));
  bool has_hash = user && !user->password_hash.empty();
  bool password_ok = VerifyPassword(password, has_hash ? user->password_hash : DummyPasswordHash());
  if (!has_hash || !password_ok || user->disabled) return InvalidCredentials();
  return Principal{user->id, user->name, user->role};
}

}  // namespace privacyd
