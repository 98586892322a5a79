#include "staff/staff_sessions.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "crypto/secret.h"

namespace privacyd {
namespace {

constexpr char kPurpose[] = "staff_authentication";
constexpr char kCsrfLabel[] = "privacyd console csrf";
// Bytes of a session's secret (hex in the cookie): 256 bits.
constexpr size_t kSecretBytes = 32;

Error SessionRequired() {
  return Error(ErrorKind::kUnauthenticated, "session_required",
               "there is no live console session: it has ended, expired or been idle too long; "
               "sign in again");
}

Error SessionNotFound(const std::string& id) {
  return Error(ErrorKind::kNotFound, "session_not_found",
               "no live session has the id '" + id + "'; `privacyd user sessions` lists them");
}

std::string EndDetail(const std::string& reason) {
  return nlohmann::json{{"reason", reason}}.dump();
}

// Past its absolute expiry or idle timeout at `now`.
bool Stale(const StaffSessionRecord& s, Micros now) {
  return s.expires_at <= now || now - s.last_used_at >= StaffSessions::kIdleTimeout;
}

// Ends as "expired" and deletes the stale sessions, and deletes the ended ones.
Status Sweep(Tx& tx, const AuditLog& audit, Micros now) {
  PD_ASSIGN_OR_RETURN(auto sessions, tx.ListStaffSessions(""));
  for (const auto& s : sessions) {
    if (!s.ended_at && !Stale(s, now)) continue;
    if (!s.ended_at) {
      PD_RETURN_IF_ERROR(
          audit.Append(tx, AuditEvent{"system", "", "staff.session.end", "session:" + s.id,
                                      kPurpose, "", EndDetail("expired")}));
    }
    PD_RETURN_IF_ERROR(tx.DeleteStaffSession(s.id));
  }
  return Ok();
}

}  // namespace

Status EndStaffSessionsOfUser(Tx& tx, const AuditLog& audit, const StaffActor& actor,
                              const std::string& user_id, Micros now, const std::string& reason) {
  PD_ASSIGN_OR_RETURN(auto sessions, tx.ListStaffSessions(user_id));
  for (const auto& s : sessions) {
    if (s.ended_at) continue;
    PD_RETURN_IF_ERROR(tx.EndStaffSession(s.id, now, reason));
    PD_RETURN_IF_ERROR(
        audit.Append(tx, AuditEvent{actor.name, actor.role, "staff.session.end", "session:" + s.id,
                                    kPurpose, actor.request_id, EndDetail(reason)}));
  }
  return Ok();
}

std::string StaffSessions::CsrfToken(std::string_view secret) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(kCsrfLabel),
                                sizeof(kCsrfLabel) - 1);
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_memzero(&state, sizeof state);
  return ToHex(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

Result<StartedStaffSession> StaffSessions::StartWithPassword(const std::string& user_name,
                                                             std::string_view password,
                                                             const std::string& request_id) {
  Result<Principal> principal = directory_.AuthenticatePassword(user_name, password);
  if (!principal.ok()) {
    if (principal.error().kind() != ErrorKind::kUnauthenticated) return principal.error();
    std::string object = IsValidUserName(user_name) ? "user_name:" + user_name : "";
    PD_RETURN_IF_ERROR(Refused(object, "password", request_id));
    return principal.error();
  }
  return Start(*principal, "password", request_id);
}

Result<StartedStaffSession> StaffSessions::StartWithToken(std::string_view token,
                                                          const std::string& request_id) {
  Result<Principal> principal = directory_.Authenticate(token);
  if (!principal.ok()) {
    if (principal.error().kind() != ErrorKind::kUnauthenticated) return principal.error();
    PD_RETURN_IF_ERROR(Refused("", "token", request_id));
    return Error(ErrorKind::kUnauthenticated, "invalid_credentials",
                 InvalidCredentials().message());
  }
  return Start(*principal, "token", request_id);
}

Status StaffSessions::Refused(const std::string& object, const std::string& method,
                              const std::string& request_id) {
  return store_.Write([&](Tx& tx) -> Status {
    return StatusOf(
        audit_.Append(tx, AuditEvent{"anonymous", "", "staff.session.refused", object, kPurpose,
                                     request_id, nlohmann::json{{"method", method}}.dump()}));
  });
}

Result<StartedStaffSession> StaffSessions::Start(const Principal& principal,
                                                 const std::string& method,
                                                 const std::string& request_id) {
  Micros now = clock_.Now();
  std::string secret = RandomHex(random_, kSecretBytes);
  StartedStaffSession started;
  StaffSessionRecord& r = started.session.record;
  r.id = NewId(random_, "ses");
  r.user_id = principal.user_id;
  r.secret_hash = ToHex(Sha256(secret));
  r.method = method;
  r.created_at = now;
  r.last_used_at = now;
  r.expires_at = now + kLifetime;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(Sweep(tx, audit_, now));
    // The user may have been disabled since the credentials were checked.
    PD_ASSIGN_OR_RETURN(auto user, tx.GetUserById(principal.user_id));
    if (!user || user->disabled) return InvalidCredentials();
    PD_RETURN_IF_ERROR(tx.InsertStaffSession(r));
    return StatusOf(audit_.Append(
        tx,
        AuditEvent{principal.user_name, principal.role, "staff.session.start", "session:" + r.id,
                   kPurpose, request_id, nlohmann::json{{"method", method}}.dump()}));
  }));
  started.session.principal = principal;
  started.session.csrf_token = CsrfToken(secret);
  started.cookie_value = r.id + "." + secret;
  return started;
}

Result<StaffSessionView> StaffSessions::Resume(std::string_view cookie_value) {
  size_t dot = cookie_value.find('.');
  if (dot == std::string_view::npos || dot == 0 || cookie_value.size() > 256) {
    return SessionRequired();
  }
  std::string id(cookie_value.substr(0, dot));
  std::string_view secret = cookie_value.substr(dot + 1);
  std::string secret_hash = ToHex(Sha256(secret));
  Micros now = clock_.Now();
  PD_ASSIGN_OR_RETURN(
      StaffSessionView view,
      ReadValue<StaffSessionView>(store_, [&](Tx& tx) -> Result<StaffSessionView> {
        PD_ASSIGN_OR_RETURN(auto session, tx.GetStaffSession(id));
        // Compare even when the id is unknown, so timing says nothing about which ids exist.
        bool secret_ok =
            ConstantTimeEquals(session ? session->secret_hash : std::string(64, '0'), secret_hash);
        if (!session || !secret_ok || session->ended_at || Stale(*session, now)) {
          return SessionRequired();
        }
        PD_ASSIGN_OR_RETURN(auto user, tx.GetUserById(session->user_id));
        if (!user || user->disabled) return SessionRequired();
        return StaffSessionView{Principal{user->id, user->name, user->role}, *session, ""};
      }));
  if (now - view.record.last_used_at >= kTouchInterval) {
    Status touched = store_.Write([&](Tx& tx) -> Status {
      // Signed out or disabled between the read and this write: do not revive it.
      PD_ASSIGN_OR_RETURN(auto current, tx.GetStaffSession(id));
      if (!current || current->ended_at) return SessionRequired();
      return tx.TouchStaffSession(id, now);
    });
    PD_RETURN_IF_ERROR(touched);
    view.record.last_used_at = now;
  }
  view.csrf_token = CsrfToken(secret);
  return view;
}

Status StaffSessions::SignOut(const StaffSessionView& session, const std::string& request_id) {
  Micros now = clock_.Now();
  return store_.Write([&](Tx& tx) -> Status {
    Status ended = tx.EndStaffSession(session.record.id, now, "signed_out");
    if (!ended.ok()) {
      return ended.error().kind() == ErrorKind::kNotFound ? SessionRequired() : ended;
    }
    return StatusOf(audit_.Append(
        tx,
        AuditEvent{session.principal.user_name, session.principal.role, "staff.session.end",
                   "session:" + session.record.id, kPurpose, request_id, EndDetail("signed_out")}));
  });
}

Result<std::vector<StaffSessionRecord>> StaffSessions::ListLive(const std::string& user_name) {
  Micros now = clock_.Now();
  return ReadValue<std::vector<StaffSessionRecord>>(
      store_, [&](Tx& tx) -> Result<std::vector<StaffSessionRecord>> {
        std::string user_id;
        if (!user_name.empty()) {
          PD_ASSIGN_OR_RETURN(auto user, tx.GetUserByName(user_name));
          if (!user) return UserNotFound(user_name);
          user_id = user->id;
        }
        PD_ASSIGN_OR_RETURN(auto all, tx.ListStaffSessions(user_id));
        std::vector<StaffSessionRecord> live;
        for (auto& s : all) {
          if (!s.ended_at && !Stale(s, now)) live.push_back(std::move(s));
        }
        return live;
      });
}

Status StaffSessions::End(const StaffActor& actor, const std::string& session_id) {
  Micros now = clock_.Now();
  return store_.Write([&](Tx& tx) -> Status {
    Status ended = tx.EndStaffSession(session_id, now, "ended_by_operator");
    if (!ended.ok()) {
      return ended.error().kind() == ErrorKind::kNotFound ? SessionNotFound(session_id) : ended;
    }
    return StatusOf(audit_.Append(
        tx, AuditEvent{actor.name, actor.role, "staff.session.end", "session:" + session_id,
                       kPurpose, actor.request_id, EndDetail("ended_by_operator")}));
  });
}

Result<int> StaffSessions::EndAllOf(const StaffActor& actor, const std::string& user_name) {
  Micros now = clock_.Now();
  return WriteValue<int>(store_, [&](Tx& tx) -> Result<int> {
    PD_ASSIGN_OR_RETURN(auto user, tx.GetUserByName(user_name));
    if (!user) return UserNotFound(user_name);
    PD_ASSIGN_OR_RETURN(auto sessions, tx.ListStaffSessions(user->id));
    int live = 0;
    for (const auto& s : sessions) live += s.ended_at ? 0 : 1;
    PD_RETURN_IF_ERROR(
        EndStaffSessionsOfUser(tx, audit_, actor, user->id, now, "ended_by_operator"));
    return live;
  });
}

}  // namespace privacyd
