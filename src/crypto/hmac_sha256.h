// HMAC-SHA-256 (RFC 2104) with the key absorbed once, for MACs computed by the million (the
// blind index of every address of a consent check, the signed link of every allowed one).
//
// The output is crypto_auth_hmacsha256's. The hashing is OpenSSL's SHA-256, which uses the
// CPU's SHA extensions where it has them: on short messages several times faster than
// libsodium's portable SHA-256, which is otherwise our crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace privacyd {

class KeyedHmacSha256 {
 public:
  static constexpr size_t kBytes = 32;

  // A key of any length (longer than 64 bytes: hashed first, as RFC 2104 says).
  KeyedHmacSha256(const uint8_t* key, size_t size);
  KeyedHmacSha256(const KeyedHmacSha256&) = default;
  KeyedHmacSha256& operator=(const KeyedHmacSha256&) = default;
  ~KeyedHmacSha256();  // wipes the keyed states

  // Absorbs `prefix` into the keyed state: every later MAC is over it and then its message.
  void Absorb(std::string_view prefix);

  // The MAC of the absorbed prefix followed by `parts`, concatenated, into `out`. Thread-safe
  // (the keyed state is copied, never changed).
  void Mac(std::initializer_list<std::string_view> parts, uint8_t out[kBytes]) const;

 private:
  // OpenSSL's SHA256_CTX, kept opaque so that this header needs no OpenSSL header.
  static constexpr size_t kStateBytes = 112;
  alignas(8) std::array<unsigned char, kStateBytes> inner_;
  alignas(8) std::array<unsigned char, kStateBytes> outer_;
};

}  // namespace privacyd
