#include "core/random.h"

#include <sodium.h>

#include <array>

namespace privacyd {

void SecureRandom::Fill(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

void SeededRandom::Fill(std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  for (auto& b : out) {
    // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    b = static_cast<uint8_t>((state_ * 2685821657736338717ULL) >> 56);
  }
}

std::string RandomHex(Random& random, size_t n) {
  std::string bytes(n, '\0');
  random.Fill({reinterpret_cast<uint8_t*>(bytes.data()), n});
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string NewId(Random& random, const std::string& prefix) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::array<uint8_t, 17> bytes{};
  random.Fill(bytes);
  std::string out = prefix + "_";
  // 26 characters of 5 bits each = 130 bits, drawn from 136 random bits.
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  while (out.size() < prefix.size() + 1 + 26) {
    if (bits < 5) {
      acc = (acc << 8) | bytes[i++];
      bits += 8;
    }
    out.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
    bits -= 5;
  }
  return out;
}

}  // namespace privacyd
