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
// Personal data: a response may hold personal data (a created subject's identities), and the
// store must never see it in the clear. So the store keeps only a hash of the client's key
// (StoredKey), a keyed hash of the fingerprint, and the response headers and body sealed
// (XChaCha20-Poly1305) under a key derived from the principal and the client's key. Only a
// caller that presents the key again can read the response; the database alone cannot, and
// the entry is gone when it expires.
//
// Thread-safe: the state lives in the store.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/random.h"
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

  // `store`, `clock` and `random` (nonces for sealing) must outlive the service.
  IdempotencyKeys(Store& store, const Clock& clock, Random& random)
      : store_(store), clock_(clock), random_(random) {}

  // True for 1..kMaxKeyLength printable ASCII characters (space to tilde).
  static bool IsValidKey(std::string_view key);
  // What the store keeps in IdempotencyRecord::key for the client's `key` (hex SHA-256).
  static std::string StoredKey(std::string_view key);

  // Claims `key` for `principal` (a user id, or "public") or reports who holds it. The
  // decision's record carries the client's key and fingerprint as given, and for kReplay the
  // opened response. Errors: kInvalidArgument "invalid_idempotency_key" for a key IsValidKey
  // refuses; kDataLoss "idempotency_record_corrupt" when a stored response does not open;
  // store errors as the store returns them (nothing is claimed then).
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
  Random& random_;
};

}  // namespace privacyd
