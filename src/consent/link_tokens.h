// Signed links: the tokens in the links privacyd sends a person (unsubscribe, Preference Center,
// double opt-in confirmation), so that following one proves the person holds that email
// without a login.
//
// A token is base64url (no padding) of
//
//   version 1 (1) | key id (4) | purpose (1) | expires_at (8, big-endian micros, 0 = never)
//   | subject id 0x1f topic 0x1f message id | MAC (16)
//
// or, for a link that never expires and a subject id as core/random.h NewId makes it ("sub_"
// and 26 characters of Crockford base32), the compact form
//
//   version 2 (1) | key id (4) | purpose (1) | subject id's 130 bits (17, zero-padded)
//   | topic 0x1f message id | MAC (16)
//
// 68 characters instead of 96 for an unsubscribe link (a consent check writes two for each of
// up to 100,000 allowed addresses). Both verify; links already sent keep working.
//
// MAC is HMAC-SHA-256 under the link key named by the key id, over a domain label and every
// byte before it (the version first), truncated to 128 bits and compared in constant time. The
// subject id is an opaque random id, so the token reveals nothing about the person. Tokens are
// revoked by rotating the link keys (RotateLinkKeys in keys/key_manager.h): a key that is retired
// no longer verifies anything it signed.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/hmac_sha256.h"
#include "crypto/secret.h"

namespace privacyd {

enum class LinkPurpose : char {
  kUnsubscribe = 'u',  // one topic, or "*" for all marketing; never expires
  kPreferences = 'p',  // the Preference Center
  kConfirm = 'c',      // double opt-in of the topic(s) requested
  kAddress = 'a',      // confirmation of a new address: message id = its blind index (hex)
  kRequest = 'r',      // a data subject request's code as a link: subject id = the request id,
                       // message id = the code (rights/request_service.h VerifyByLink)
};

struct LinkClaims {
  LinkPurpose purpose = LinkPurpose::kPreferences;
  std::string subject_id;
  std::string topic;       // topic id, "*" for all marketing, or a comma list (kConfirm)
  std::string message_id;  // the email the link was sent in, or ""
  Micros expires_at = 0;   // 0: never
};

struct LinkKey {
  std::string id;  // 8 hex characters
  SecretBytes key;
};

class LinkSigner {
 public:
  // `keys` front() signs; every key verifies. At least one key.
  explicit LinkSigner(std::vector<LinkKey> keys);
  ~LinkSigner();  // wipes the keyed states
  LinkSigner(const LinkSigner&) = delete;
  LinkSigner& operator=(const LinkSigner&) = delete;

  std::string Sign(const LinkClaims& claims) const;
  // Appends the token Sign would return for these claims to `out`, with no other allocation
  // than `out`'s own growth (a consent check signs a link for each of 100,000 identities).
  void AppendToken(LinkPurpose purpose, std::string_view subject_id, std::string_view topic,
                   std::string_view message_id, Micros expires_at, std::string& out) const;

  // The claims of a token this signer's keys made. kInvalidArgument "invalid_link" for anything
  // malformed, tampered, truncated or signed by an unknown or retired key (one code, so that an
  // attacker learns nothing from which check failed); kFailedPrecondition "link_expired" for a
  // genuine token past its expiry.
  Result<LinkClaims> Verify(std::string_view token, Micros now) const;

  const std::string& signing_key_id() const { return keys_.front().id; }

 private:
  std::vector<LinkKey> keys_;
  std::string signing_key_id_bytes_;  // keys_.front().id decoded, kKeyIdBytes long
  // Per key, the HMAC state keyed once (as sensitive as the key).
  std::vector<KeyedHmacSha256> keyed_;
};

}  // namespace privacyd
