// One-time codes: six digits sent by email, with which a person proves they hold an address
// (to open the Preference Center, to verify a data subject request).
//
// A code is valid for 15 minutes and for 5 attempts; only the latest code of an address counts,
// so asking for a new one retires the old. At most 5 codes per address and purpose are issued
// per hour. The store keeps a keyed hash of each code (HMAC under the blind-index key, which is
// not in the store), so a copy of the database does not let anyone brute-force the million
// possible codes offline; the comparison is constant-time.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace privacyd {

struct CodeRules {
  Micros validity = 15 * 60 * kMicrosPerSecond;
  int max_attempts = 5;
  int max_per_hour = 5;
};

struct IssuedCode {
  std::string id;
  std::string code;  // six digits, to be mailed; never stored or logged
  Micros expires_at = 0;
};

// The outcome of a verification. An attempt is recorded even when it fails, so the caller must
// commit the transaction and then turn a failure into its error (Error()).
struct CodeCheck {
  bool ok = false;
  std::string subject_id;  // when ok
  // When not ok: "invalid_code" (wrong, or no code was sent), "code_expired",
  // "code_attempts_exhausted".
  std::string failure;
  int attempts_left = 0;
  Error ToError() const;
};

class OneTimeCodes {
 public:
  OneTimeCodes(const Keyring& keyring, const Clock& clock, Random& random, CodeRules rules = {})
      : keyring_(keyring), clock_(clock), random_(random), rules_(rules) {}

  // Issues a new code for the identity (its blind index) inside `tx`. kResourceExhausted
  // "too_many_codes" when max_per_hour codes were issued in the last hour.
  Result<IssuedCode> Issue(Tx& tx, const std::string& purpose, const std::string& blind_index,
                           const std::string& subject_id) const;

  // Checks `code` against the latest code of the identity, counting the attempt; marks the code
  // used when it matches (a code works once). Store errors only; a wrong code is a CodeCheck.
  Result<CodeCheck> Verify(Tx& tx, const std::string& purpose, const std::string& blind_index,
                           const std::string& code) const;

  const CodeRules& rules() const { return rules_; }

 private:
  std::string Hash(const std::string& purpose, const std::string& id,
                   const std::string& code) const;

  const Keyring& keyring_;
  const Clock& clock_;
  Random& random_;
  CodeRules rules_;
};

}  // namespace privacyd
