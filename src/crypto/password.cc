#include "crypto/password.h"

#include <sodium.h>

namespace privacyd {

constexpr size_t kMinPasswordLength = 12;

Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost) {
  if (password.size() < kMinPasswordLength) {
    return Error(ErrorKind::kInvalidArgument, "weak_password",
                 "passwords must have at least 12 characters; choose a longer one");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(ErrorKind::kResourceExhausted, "password_hash_failed",
                 "not enough memory to hash the password; try again");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  if (encoded.empty()) return false;
  return crypto_pwhash_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

}  // namespace privacyd
