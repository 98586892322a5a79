#include "crypto/secret.h"

namespace privacyd {

std::string ToHex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const uint8_t*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  std::string bytes(hex.size() / 2, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size(), hex.data(), hex.size(),
                     nullptr, &len, &end) != 0 ||
      len != bytes.size() || end != hex.data() + hex.size()) {
    return false;
  }
  *out = std::move(bytes);
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sha256(std::string_view data) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<uint8_t*>(out.data()),
                     reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return out;
}

}  // namespace privacyd

namespace privacyd {
namespace {
// libsodium must be initialised before first use; sodium_init is idempotent and thread-safe.
[[maybe_unused]] const int kSodiumReady = sodium_init();
}  // namespace
}  // namespace privacyd
