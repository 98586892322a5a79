// Sealing personal data with a subject's data key (XChaCha20-Poly1305, libsodium IETF AEAD).
//
// Format of a sealed value: 1 version byte (0x01) | 24-byte random nonce | ciphertext+tag.
// The associated data binds the value to where it belongs (subject id and field), so a sealed
// value copied to another subject or field does not open.
#pragma once

#include <string>
#include <string_view>

#include "core/random.h"
#include "core/result.h"
#include "crypto/secret.h"

namespace privacyd {

constexpr size_t kDataKeyBytes = 32;

// A fresh random key for XChaCha20-Poly1305.
SecretBytes NewSymmetricKey(Random& random);

std::string Seal(const SecretBytes& key, std::string_view plaintext, std::string_view context,
                 Random& random);

// Errors: kDataLoss "unseal_failed" when the value was altered, the context differs or the key
// is wrong.
Result<std::string> Open(const SecretBytes& key, std::string_view sealed, std::string_view context);

}  // namespace privacyd
