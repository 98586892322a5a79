// Randomness is injected so that tests can make ids and keys reproducible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

namespace privacyd {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with random bytes. Thread-safe.
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// Cryptographically secure randomness from libsodium (the kernel's CSPRNG).
class SecureRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
};

// A deterministic stream for tests (not secure). Thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed ? seed : 1) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  uint64_t state_;
};

// The alphabet of the identifiers below: Crockford's base32, upper case.
inline constexpr char kCrockfordBase32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
// Appends `chars` characters of 5 bits each, taken most significant first from `bytes` (at least
// (5 * chars + 7) / 8 of them).
void AppendBase32(const uint8_t* bytes, size_t chars, std::string& out);

// `n` random bytes as lower-case hex.
std::string RandomHex(Random& random, size_t n);
// A new opaque identifier: `prefix` + "_" + 26 characters of Crockford base32 (128 random bits),
// e.g. "sub_01J8Z3...". Identifiers carry no personal data and no time.
std::string NewId(Random& random, const std::string& prefix);
// The same shape with the creation time first: 10 characters of milliseconds since the epoch,
// then 16 random characters (80 bits), so that ids made later sort later (like a ULID). Keys of
// tables that grow with every new row (subjects) then append to their B-trees instead of
// touching a random page per insert. Use it where revealing the creation time to whoever sees
// the id is harmless.
std::string NewTimeOrderedId(Random& random, int64_t unix_micros, const std::string& prefix);

}  // namespace privacyd
