#include "verify/one_time_codes.h"

#include <sodium.h>

namespace privacyd {

Error CodeCheck::ToError() const {
  if (failure == "code_expired") {
    return Error(ErrorKind::kFailedPrecondition, failure,
                 "this code has expired; ask for a new one");
  }
  if (failure == "code_attempts_exhausted") {
    return Error(ErrorKind::kFailedPrecondition, failure,
                 "too many wrong attempts for this code; ask for a new one");
  }
  return Error(ErrorKind::kUnauthenticated, "invalid_code",
               "the code is not right; check the latest email (" + std::to_string(attempts_left) +
                   " attempts left) or ask for a new code");
}

std::string OneTimeCodes::Hash(const std::string& purpose, const std::string& id,
                               const std::string& code) const {
  return keyring_.BlindIndex("one_time_code:" + purpose, id + ":" + code);
}

Result<IssuedCode> OneTimeCodes::Issue(Tx& tx, const std::string& purpose,
                                       const std::string& blind_index,
                                       const std::string& subject_id) const {
  const Micros now = clock_.Now();
  PD_ASSIGN_OR_RETURN(int64_t recent, tx.CountVerificationCodesSince(
                                          purpose, blind_index, now - 3600 * kMicrosPerSecond));
  if (recent >= rules_.max_per_hour) {
    return Error(ErrorKind::kResourceExhausted, "too_many_codes",
                 "too many codes were sent to this address in the last hour; use the latest one "
                 "or try again later");
  }
  // Only the newest code counts: the one before it is retired.
  PD_ASSIGN_OR_RETURN(auto previous, tx.LatestVerificationCode(purpose, blind_index));
  if (previous && !previous->used_at) {
    PD_RETURN_IF_ERROR(tx.MarkVerificationCodeUsed(previous->id, now));
  }
  uint8_t bytes[4];
  random_.Fill(bytes);
  uint32_t n = (uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
                uint32_t{bytes[3]}) %
               1'000'000;  // bias below 2^-12: irrelevant next to 5 attempts in 10^6
  std::string code = std::to_string(n);
  code.insert(0, 6 - code.size(), '0');
  IssuedCode issued{NewId(random_, "otp"), code, now + rules_.validity};
  VerificationCodeRecord record;
  record.id = issued.id;
  record.purpose = purpose;
  record.blind_index = blind_index;
  record.subject_id = subject_id;
  record.code_hash = Hash(purpose, issued.id, code);
  record.created_at = now;
  record.expires_at = issued.expires_at;
  PD_RETURN_IF_ERROR(tx.InsertVerificationCode(record));
  return issued;
}

Result<CodeCheck> OneTimeCodes::Verify(Tx& tx, const std::string& purpose,
                                       const std::string& blind_index,
                                       const std::string& code) const {
  CodeCheck check;
  PD_ASSIGN_OR_RETURN(auto latest, tx.LatestVerificationCode(purpose, blind_index));
  if (!latest || latest->used_at) {
    check.failure = "invalid_code";
    return check;
  }
  if (latest->attempts >= rules_.max_attempts) {
    check.failure = "code_attempts_exhausted";
    return check;
  }
  if (clock_.Now() >= latest->expires_at) {
    check.failure = "code_expired";
    return check;
  }
  PD_RETURN_IF_ERROR(tx.CountVerificationAttempt(latest->id));
  std::string given = Hash(purpose, latest->id, code);
  bool match = given.size() == latest->code_hash.size() &&
               sodium_memcmp(given.data(), latest->code_hash.data(), given.size()) == 0;
  if (!match) {
    check.attempts_left = rules_.max_attempts - latest->attempts - 1;
    check.failure = check.attempts_left > 0 ? "invalid_code" : "code_attempts_exhausted";
    return check;
  }
  PD_RETURN_IF_ERROR(tx.MarkVerificationCodeUsed(latest->id, clock_.Now()));
  check.ok = true;
  check.subject_id = latest->subject_id;
  return check;
}

}  // namespace privacyd
