// Idempotency keys: a write that carries a client-chosen key runs at most once per (principal,
// key); retries get the first run's response back instead of running again.
//
// The service knows nothing of HTTP. A caller (the HTTP layer) calls Begin with who is asking,
// the key and a fingerprint of the request, and acts on the decision:
//   - kProceed: run the request, then Complete with its response, or Abandon to free the key
//     (e.g. on a server error, so the client may retry);
//   - kReplay: answer with decision.record's stored response;
//   - kInUse: the first request with this key is still running; the client should retry later;
//   - kReused: the key was used for a different request (another fingerprint).
//
// Records expire kRetention after they were begun; an expired record counts as absent. A record
// left in progress longer than kInProgressLease (its process died mid-request) is taken over by
// the next request with the key. Expired records are purged lazily: the one a Begin meets, and
// at most kPurgeBatch others on every Begin that inserts; nothing runs in the background.
//
// Thread-safe: the state lives in the store.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace privacyd {

// What a completed request answered.
struct IdempotentResponse {
  int status = 0;
  std::string content_type;
  std::string headers;  // opaque to this service (the HTTP layer stores JSON)
  std::string body;
};

struct IdempotencyDecision {
  enum class Outcome { kProceed, kReplay, kInUse, kReused };
  Outcome outcome = Outcome::kProceed;
  // kProceed: the in-progress record to hand to Complete or Abandon. kReplay: the completed
  // record with the stored response. kInUse, kReused: the record that holds the key.
  IdempotencyRecord record;
};

class IdempotencyKeys {
 public:
  static constexpr Micros kRetention = 24LL * 3600 * kMicrosPerSecond;
  static constexpr Micros kInProgressLease = 5LL * 60 * kMicrosPerSecond;
  static constexpr int kPurgeBatch = 16;
  static constexpr size_t kMaxKeyLength = 255;

  // `store` and `clock` must outlive the service.
  IdempotencyKeys(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // True for 1..kMaxKeyLength printable ASCII characters (space to tilde).
  static bool IsValidKey(std::string_view key);

  // Claims `key` for `principal` (a user id, or "public") or reports who holds it. Errors:
  // kInvalidArgument "invalid_idempotency_key" for a key IsValidKey refuses; store errors as
  // the store returns them (nothing is claimed then).
  Result<IdempotencyDecision> Begin(const std::string& principal, const std::string& key,
                                    const std::string& fingerprint);

  // Stores `response` in the record a kProceed decision returned; later Begins with the same
  // key and fingerprint replay it until it expires. Fails with kFailedPrecondition
  // "idempotency_key_not_in_progress" when the record expired or was taken over meanwhile.
  Status Complete(const IdempotencyRecord& in_progress, const IdempotentResponse& response);

  // Frees the key a kProceed decision claimed, so the next Begin proceeds. Ok as well when the
  // record is gone already (expired and purged, or taken over).
  Status Abandon(const IdempotencyRecord& in_progress);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace privacyd
