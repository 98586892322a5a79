#include "idempotency/idempotency_keys.h"

#include <optional>

namespace privacyd {
namespace {

// A record that no longer holds its key: expired, or left in progress by a request that never
// finished (its process died).
bool IsStale(const IdempotencyRecord& record, Micros now) {
  if (record.expires_at <= now) return true;
  return record.state == IdempotencyState::kInProgress &&
         record.created_at + IdempotencyKeys::kInProgressLease <= now;
}

}  // namespace

bool IdempotencyKeys::IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Result<IdempotencyDecision> IdempotencyKeys::Begin(const std::string& principal,
                                                   const std::string& key,
                                                   const std::string& fingerprint) {
  if (!IsValidKey(key)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_idempotency_key",
                 "an Idempotency-Key must be 1 to 255 printable ASCII characters; a UUID is a "
                 "good choice");
  }
  const Micros now = clock_.Now();
  IdempotencyRecord claim;
  claim.principal = principal;
  claim.key = key;
  claim.fingerprint = fingerprint;
  claim.state = IdempotencyState::kInProgress;
  claim.created_at = now;
  claim.expires_at = now + kRetention;

  IdempotencyDecision decision;
  Status s = store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(std::optional<IdempotencyRecord> existing, tx.InsertIdempotencyKey(claim));
    if (existing.has_value() && IsStale(*existing, now)) {
      PD_RETURN_IF_ERROR(tx.DeleteIdempotencyKey(principal, key, existing->created_at));
      PD_ASSIGN_OR_RETURN(existing, tx.InsertIdempotencyKey(claim));
    }
    if (!existing.has_value()) {
      // Each new key pays for the purge of a few expired ones, so the table stays bounded by
      // the traffic of the last kRetention without a background sweep.
      PD_RETURN_IF_ERROR(tx.DeleteExpiredIdempotencyKeys(now, kPurgeBatch));
      decision = {IdempotencyDecision::Outcome::kProceed, claim};
      return Ok();
    }
    if (existing->fingerprint != fingerprint) {
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
  return decision;
}

Status IdempotencyKeys::Complete(const IdempotencyRecord& in_progress,
                                 const IdempotentResponse& response) {
  IdempotencyRecord done = in_progress;
  done.state = IdempotencyState::kCompleted;
  done.status = response.status;
  done.content_type = response.content_type;
  done.headers = response.headers;
  done.body = response.body;
  return store_.Write([&](Tx& tx) { return tx.CompleteIdempotencyKey(done); });
}

Status IdempotencyKeys::Abandon(const IdempotencyRecord& in_progress) {
  Status s = store_.Write([&](Tx& tx) {
    return tx.DeleteIdempotencyKey(in_progress.principal, in_progress.key, in_progress.created_at);
  });
  if (!s.ok() && s.error().kind() == ErrorKind::kNotFound) return Ok();
  return s;
}

}  // namespace privacyd
