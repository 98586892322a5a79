// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, whose contexts cannot
// be copied without an allocation: the midstates of a keyed HMAC are what makes it cheap.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace privacyd {
namespace {

static_assert(sizeof(SHA256_CTX) == 112, "KeyedHmacSha256::kStateBytes");

constexpr size_t kBlock = 64;

SHA256_CTX* Ctx(std::array<unsigned char, 112>& bytes) {
  return reinterpret_cast<SHA256_CTX*>(bytes.data());
}

}  // namespace

KeyedHmacSha256::KeyedHmacSha256(const uint8_t* key, size_t size) {
  uint8_t block[kBlock] = {};
  if (size > kBlock) {
    SHA256(key, size, block);
  } else if (size > 0) {
    std::memcpy(block, key, size);
  }
  uint8_t pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(Ctx(inner_));
  SHA256_Update(Ctx(inner_), pad, kBlock);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(Ctx(outer_));
  SHA256_Update(Ctx(outer_), pad, kBlock);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

KeyedHmacSha256::~KeyedHmacSha256() {
  OPENSSL_cleanse(inner_.data(), inner_.size());
  OPENSSL_cleanse(outer_.data(), outer_.size());
}

void KeyedHmacSha256::Absorb(std::string_view prefix) {
  SHA256_Update(Ctx(inner_), prefix.data(), prefix.size());
}

void KeyedHmacSha256::Mac(std::initializer_list<std::string_view> parts,
                          uint8_t out[kBytes]) const {
  std::array<unsigned char, kStateBytes> state = inner_;
  for (std::string_view part : parts) SHA256_Update(Ctx(state), part.data(), part.size());
  uint8_t inner_digest[kBytes];
  SHA256_Final(inner_digest, Ctx(state));
  state = outer_;
  SHA256_Update(Ctx(state), inner_digest, kBytes);
  SHA256_Final(out, Ctx(state));
  OPENSSL_cleanse(inner_digest, sizeof inner_digest);
  OPENSSL_cleanse(state.data(), state.size());
}

}  // namespace privacyd
