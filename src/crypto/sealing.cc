#include "crypto/sealing.h"

#include <sodium.h>

namespace privacyd {
namespace {
constexpr uint8_t kSealVersion = 1;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
}  // namespace

SecretBytes NewSymmetricKey(Random& random) {
  SecretBytes key(kDataKeyBytes);
  random.Fill({key.data(), key.size()});
  return key;
}

std::string Seal(const SecretBytes& key, std::string_view plaintext, std::string_view context,
                 Random& random) {
  std::string out(1 + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  p[0] = kSealVersion;
  random.Fill({p + 1, kNonceBytes});
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      p + 1 + kNonceBytes, &clen, reinterpret_cast<const uint8_t*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const uint8_t*>(context.data()), context.size(), nullptr,
      p + 1, key.data());
  out.resize(1 + kNonceBytes + clen);
  return out;
}

Result<std::string> Open(const SecretBytes& key, std::string_view sealed,
                         std::string_view context) {
  auto fail = [] {
    return Error(ErrorKind::kDataLoss, "unseal_failed",
                 "a sealed value could not be opened: it was altered, moved, or its key is "
                 "gone");
  };
  if (key.size() != kDataKeyBytes || sealed.size() < 1 + kNonceBytes + kTagBytes ||
      static_cast<uint8_t>(sealed[0]) != kSealVersion) {
    return fail();
  }
  const auto* p = reinterpret_cast<const uint8_t*>(sealed.data());
  std::string out(sealed.size() - 1 - kNonceBytes - kTagBytes, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<uint8_t*>(out.data()), &mlen, nullptr, p + 1 + kNonceBytes,
          sealed.size() - 1 - kNonceBytes, reinterpret_cast<const uint8_t*>(context.data()),
          context.size(), p + 1, key.data()) != 0) {
    return fail();
  }
  out.resize(mlen);
  return out;
}

}  // namespace privacyd
