#include "idempotency/idempotency_keys.h"

#include <optional>
#include <utility>

#include "crypto/sealing.h"
#include "crypto/secret.h"

namespace privacyd {
namespace {

// A record that no longer holds its key: expired, or left in progress by a request that never
// finished (its process died).
bool IsStale(const IdempotencyRecord& record, Micros now) {
  if (record.expires_at <= now) return true;
  return record.state == IdempotencyState::kInProgress &&
         record.created_at + IdempotencyKeys::kInProgressLease <= now;
}

// The sealing key of a response. Derived from the client's key, which the store never sees, in
// a domain of its own so that StoredKey reveals nothing of it.
SecretBytes ResponseKey(const std::string& principal, const std::string& key) {
  std::string input = "privacyd idempotency response key";
  input.push_back('\0');
  input += principal;
  input.push_back('\0');
  input += key;
  std::string digest = Sha256(input);
  SecretBytes out(reinterpret_cast<const uint8_t*>(digest.data()), digest.size());
  sodium_memzero(input.data(), input.size());
  sodium_memzero(digest.data(), digest.size());
  return out;
}

// Keyed so that the hash of a guessable body (an email address) cannot be tested offline.
std::string StoredFingerprint(const SecretBytes& response_key, const std::string& fingerprint) {
  std::string input(reinterpret_cast<const char*>(response_key.data()), response_key.size());
  input += fingerprint;
  std::string digest = ToHex(Sha256(input));
  sodium_memzero(input.data(), input.size());
  return digest;
}

// Binds a sealed part to its record and role, so parts cannot be swapped between records.
std::string SealContext(const IdempotencyRecord& stored, const char* part) {
  return "idempotency:" + stored.principal + ":" + stored.key + ":" +
         std::to_string(stored.created_at) + ":" + part;
}

Error Corrupt() {
  return Error(ErrorKind::kDataLoss, "idempotency_record_corrupt",
               "the stored response for this Idempotency-Key does not open; retry with a new key");
}

}  // namespace

bool IdempotencyKeys::IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string IdempotencyKeys::StoredKey(std::string_view key) { return ToHex(Sha256(key)); }

Result<IdempotencyDecision> IdempotencyKeys::Begin(const std::string& principal,
                                                   const std::string& key,
                                                   const std::string& fingerprint) {
  if (!IsValidKey(key)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_idempotency_key",
                 "an Idempotency-Key must be 1 to 255 printable ASCII characters; a UUID is a "
                 "good choice");
  }
  const Micros now = clock_.Now();
  const SecretBytes response_key = ResponseKey(principal, key);
  IdempotencyRecord claim;
  claim.principal = principal;
  claim.key = StoredKey(key);
  claim.fingerprint = StoredFingerprint(response_key, fingerprint);
  claim.state = IdempotencyState::kInProgress;
  claim.created_at = now;
  claim.expires_at = now + kRetention;

  IdempotencyDecision decision;
  Status s = store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(std::optional<IdempotencyRecord> existing, tx.InsertIdempotencyKey(claim));
    if (existing.has_value() && IsStale(*existing, now)) {
      PD_RETURN_IF_ERROR(tx.DeleteIdempotencyKey(principal, claim.key, existing->created_at));
      PD_ASSIGN_OR_RETURN(existing, tx.InsertIdempotencyKey(claim));
    }
    if (!existing.has_value()) {
      // Each new key pays for the purge of a few expired ones, so the table stays bounded by
      // the traffic of the last kRetention without a background sweep.
      PD_RETURN_IF_ERROR(tx.DeleteExpiredIdempotencyKeys(now, kPurgeBatch));
      decision = {IdempotencyDecision::Outcome::kProceed, claim};
      return Ok();
    }
    if (existing->fingerprint != claim.fingerprint) {
      decision.outcome = IdempotencyDecision::Outcome::kReused;
    } else if (existing->state == IdempotencyState::kInProgress) {
      decision.outcome = IdempotencyDecision::Outcome::kInUse;
    } else {
      decision.outcome = IdempotencyDecision::Outcome::kReplay;
    }
    decision.record = std::move(*existing);
    return Ok();
  });
  if (!s.ok()) return s.error();

  IdempotencyRecord& record = decision.record;
  if (decision.outcome == IdempotencyDecision::Outcome::kReplay) {
    auto headers = Open(response_key, record.headers, SealContext(record, "headers"));
    auto body = Open(response_key, record.body, SealContext(record, "body"));
    if (!headers.ok() || !body.ok()) return Corrupt();
    record.headers = std::move(headers).value();
    record.body = std::move(body).value();
  }
  // The caller sees its own key and fingerprint; only this service deals in stored forms.
  record.key = key;
  record.fingerprint = fingerprint;
  return decision;
}

Status IdempotencyKeys::Complete(const IdempotencyRecord& in_progress,
                                 const IdempotentResponse& response) {
  const SecretBytes response_key = ResponseKey(in_progress.principal, in_progress.key);
  IdempotencyRecord done = in_progress;
  done.key = StoredKey(in_progress.key);
  done.state = IdempotencyState::kCompleted;
  done.status = response.status;
  done.content_type = response.content_type;
  done.headers = Seal(response_key, response.headers, SealContext(done, "headers"), random_);
  done.body = Seal(response_key, response.body, SealContext(done, "body"), random_);
  return store_.Write([&](Tx& tx) { return tx.CompleteIdempotencyKey(done); });
}

Status IdempotencyKeys::Abandon(const IdempotencyRecord& in_progress) {
  const std::string stored_key = StoredKey(in_progress.key);
  Status s = store_.Write([&](Tx& tx) {
    return tx.DeleteIdempotencyKey(in_progress.principal, stored_key, in_progress.created_at);
  });
  if (!s.ok() && s.error().kind() == ErrorKind::kNotFound) return Ok();
  return s;
}

}  // namespace privacyd
