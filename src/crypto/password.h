// Staff password hashing: argon2id (libsodium crypto_pwhash), encoded with its parameters.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace privacyd {

struct PasswordHashCost {
  unsigned long long ops = 3;              // libsodium "moderate"-class interactive setting
  size_t mem_bytes = 64ull * 1024 * 1024;  // 64 MiB
};

// Errors: kInvalidArgument "weak_password" for passwords shorter than 12 characters;
// kResourceExhausted "password_hash_failed" when memory could not be had.
Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost = {});

// True when `password` matches `encoded` (constant time inside libsodium).
bool VerifyPassword(std::string_view password, const std::string& encoded);

}  // namespace privacyd
