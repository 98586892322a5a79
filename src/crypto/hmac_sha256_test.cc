#include "crypto/hmac_sha256.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

namespace privacyd {
namespace {

// libsodium's HMAC-SHA-256 of `message` under `key`, in one call: the reference.
std::string Reference(const std::string& key, const std::string& message) {
  uint8_t out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const uint8_t*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const uint8_t*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string Mac(const KeyedHmacSha256& keyed, std::initializer_list<std::string_view> parts) {
  uint8_t out[KeyedHmacSha256::kBytes];
  keyed.Mac(parts, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

TEST(KeyedHmacSha256Test, IsLibsodiumsHmacForEveryKeyLengthAndSplit) {
  ASSERT_GE(sodium_init(), 0);
  for (size_t key_size : {0u, 1u, 32u, 63u, 64u, 65u, 100u, 200u}) {
    std::string key(key_size, '\0');
    for (size_t i = 0; i < key_size; ++i) key[i] = static_cast<char>(i * 37 + 11);
    KeyedHmacSha256 keyed(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    for (size_t size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 300u}) {
      std::string message(size, '\0');
      for (size_t i = 0; i < size; ++i) message[i] = static_cast<char>(i * 13 + size);
      const std::string expected = Reference(key, message);
      EXPECT_EQ(Mac(keyed, {message}), expected) << key_size << " " << size;
      const size_t half = size / 2;
      EXPECT_EQ(Mac(keyed, {std::string_view(message).substr(0, half), "",
                            std::string_view(message).substr(half)}),
                expected)
          << key_size << " " << size;
    }
  }
}

TEST(KeyedHmacSha256Test, AnAbsorbedPrefixPrecedesEveryMessageAndCopiesAreIndependent) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  KeyedHmacSha256 keyed(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  KeyedHmacSha256 plain = keyed;
  keyed.Absorb("privacyd link v1");
  EXPECT_EQ(Mac(keyed, {"abc"}), Reference(key, "privacyd link v1abc"));
  EXPECT_EQ(Mac(keyed, {"abc"}), Reference(key, "privacyd link v1abc"));  // not consumed
  EXPECT_EQ(Mac(plain, {"abc"}), Reference(key, "abc"));
}

}  // namespace
}  // namespace privacyd
