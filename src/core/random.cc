#include "core/random.h"

#include <sodium.h>

#include <algorithm>
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

void AppendBase32(const uint8_t* bytes, size_t chars, std::string& out) {
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (size_t n = 0; n < chars; ++n) {
    if (bits < 5) {
      acc = (acc << 8) | bytes[i++];
      bits += 8;
    }
    out.push_back(kCrockfordBase32[(acc >> (bits - 5)) & 31]);
    bits -= 5;
  }
}

std::string NewId(Random& random, const std::string& prefix) {
  // 26 characters of 5 bits each = 130 bits, drawn from 136 random bits.
  std::array<uint8_t, 17> bytes{};
  random.Fill(bytes);
  std::string out = prefix + "_";
  AppendBase32(bytes.data(), 26, out);
  return out;
}

std::string NewTimeOrderedId(Random& random, int64_t unix_micros, const std::string& prefix) {
  std::string out = prefix + "_";
  // 50 bits of milliseconds (enough until the year 37,648), most significant first.
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(unix_micros, 0) / 1000);
  for (int shift = 45; shift >= 0; shift -= 5) out.push_back(kCrockfordBase32[(ms >> shift) & 31]);
  std::array<uint8_t, 11> bytes{};  // 16 characters = 80 bits, from 88 random bits
  random.Fill(bytes);
  AppendBase32(bytes.data(), 16, out);
  return out;
}

}  // namespace privacyd
