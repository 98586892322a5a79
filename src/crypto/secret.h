// SecretBytes: key material that is wiped from memory when released and never printed.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace privacyd {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : bytes_(n) {}
  SecretBytes(const uint8_t* data, size_t n) : bytes_(data, data + n) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    Wipe();
    bytes_ = std::move(other.bytes_);
    return *this;
  }
  ~SecretBytes() { Wipe(); }

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

 private:
  void Wipe() {
    if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
  }
  std::vector<uint8_t> bytes_;
};

// Hex helpers for key files and hashes.
std::string ToHex(std::string_view bytes);
// Returns false on odd length or a non-hex character.
bool FromHex(std::string_view hex, std::string* out);

// Constant-time equality of two byte strings (length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// SHA-256 of `data`, raw 32 bytes.
std::string Sha256(std::string_view data);

}  // namespace privacyd
