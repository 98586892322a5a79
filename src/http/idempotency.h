// The HTTP side of idempotency keys: a Handler wrapper that makes a write idempotent.
//
// A request without an `Idempotency-Key` header goes to the handler untouched. With one, the
// request is identified by (caller's user id, or "public" for an unauthenticated route; key)
// and fingerprinted by RequestFingerprint, and the IdempotencyKeys service decides:
//   - first use: the handler runs; a response with status < 500 is stored (status, content
//     type, extra headers, body) and returned; a 5xx, or a handler that throws, frees the key
//     so the client may retry;
//   - the same key and fingerprint again: the stored response, byte for byte, with
//     `Idempotent-Replayed: true`;
//   - the same key while its first request is still running: 409 `idempotency_key_in_use`
//     with `Retry-After: 1`;
//   - the same key with another fingerprint: 422 `idempotency_key_reused`;
//   - a malformed key (not 1..255 printable ASCII): 400 `invalid_idempotency_key`;
//   - a store failure: the problem for its error, and the handler does not run.
// Replayed problem responses carry the request_id of the request that produced them.
#pragma once

#include <memory>
#include <string>

#include "http/http_types.h"
#include "idempotency/idempotency_keys.h"

namespace privacyd {

inline constexpr char kIdempotencyKeyHeader[] = "idempotency-key";
inline constexpr char kIdempotentReplayedHeader[] = "Idempotent-Replayed";

// "METHOD PATH SHA256HEX(body)": what must match for a retry to count as the same request.
// The query string and headers other than the key do not take part.
std::string RequestFingerprint(const HttpRequest& request);

// Returns a handler that applies the rules above around `handler`. `keys` is shared by every
// wrapped route and lives as long as the longest-lived of them.
Handler MakeIdempotent(Handler handler, std::shared_ptr<IdempotencyKeys> keys);

}  // namespace privacyd
